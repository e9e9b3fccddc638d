import { expect } from "chai";
import { buildChildEnv } from "../childEnv.js";

const parentEnv = {
  PATH: "/usr/bin",
  HOME: "/home/u",
  LC_ALL: "C.UTF-8",
  AWS_SECRET_ACCESS_KEY: "canary-secret",
  GITHUB_TOKEN: "canary-token",
  SystemRoot: "C:\\Windows",
};

describe("buildChildEnv", () => {
  it("passes only allowlisted parent variables plus the declared ones", () => {
    const env = buildChildEnv({ API_KEY: "declared" }, { parentEnv });
    expect(env.PATH).to.equal("/usr/bin");
    expect(env.HOME).to.equal("/home/u");
    expect(env.LC_ALL).to.equal("C.UTF-8");
    expect(env.SystemRoot).to.equal("C:\\Windows");
    expect(env.API_KEY).to.equal("declared");
    expect(env).to.not.have.property("AWS_SECRET_ACCESS_KEY");
    expect(env).to.not.have.property("GITHUB_TOKEN");
  });

  it("passes proxy and certificate variables, in either case", () => {
    const network = {
      HTTPS_PROXY: "http://proxy:3128",
      http_proxy: "http://proxy:3128",
      no_proxy: "localhost",
      NODE_EXTRA_CA_CERTS: "/etc/ca.pem",
      SSL_CERT_FILE: "/etc/ca.pem",
      SSL_CERT_DIR: "/etc/certs",
      REQUESTS_CA_BUNDLE: "/etc/ca.pem",
    };
    const env = buildChildEnv(undefined, { parentEnv: { ...parentEnv, ...network } });
    expect(env).to.include(network);
    expect(env).to.not.have.property("AWS_SECRET_ACCESS_KEY");
  });

  it("passes the whole environment with inheritEnv", () => {
    const env = buildChildEnv(undefined, { parentEnv, inheritEnv: true });
    expect(env.AWS_SECRET_ACCESS_KEY).to.equal("canary-secret");
  });

  it("adds NO_COLOR, DOTENV_CONFIG_QUIET and PYTHONUNBUFFERED unless they are set", () => {
    const env = buildChildEnv({ NO_COLOR: "0" }, { parentEnv });
    expect(env.NO_COLOR).to.equal("0");
    expect(env.DOTENV_CONFIG_QUIET).to.equal("true");
    expect(env.PYTHONUNBUFFERED).to.equal("1");
  });

  it("lets declared variables override parent ones, case-insensitively on Windows", () => {
    expect(buildChildEnv({ PATH: "/opt/bin" }, { parentEnv }).PATH).to.equal("/opt/bin");
    const env = buildChildEnv({ Path: "C:\\bin" }, { parentEnv, platform: "win32" });
    expect(env.Path).to.equal("C:\\bin");
    expect(env).to.not.have.property("PATH");
  });

  it("keeps a variable named __proto__ as an ordinary entry", () => {
    const env = buildChildEnv(new Map([["__proto__", "x"]]), { parentEnv: {} });
    expect(Object.keys(env)).to.include("__proto__");
    expect(Object.getPrototypeOf(env)).to.equal(null);
  });
});
