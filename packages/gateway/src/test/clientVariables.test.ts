import { expect } from "chai";
import path from "node:path";
import { clientVariableValues, expandClientPath, translateClientTemplate } from "../clientVariables.js";

describe("clientVariables", () => {
  const root = path.resolve("workspace");
  const values = { workspaceFolder: root, userHome: path.resolve("home") };

  it("takes the folder above .vscode or .cursor as the workspace folder, else the config's folder", () => {
    expect(clientVariableValues(path.join(root, ".vscode"), "h").workspaceFolder).to.equal(root);
    expect(clientVariableValues(path.join(root, ".cursor"), "h").workspaceFolder).to.equal(root);
    expect(clientVariableValues(path.join(root, "config"), "h").workspaceFolder).to.equal(
      path.join(root, "config"),
    );
  });

  it("rewrites ${env:NAME} into ${NAME} and leaves mcpware's references alone", () => {
    const translated = translateClientTemplate(
      "${env:TOKEN}-${OTHER}-${X:-d}-$${env:LITERAL}-${env:-x}",
      values,
    );
    expect(translated).to.deep.equal({
      template: "${TOKEN}-${OTHER}-${X:-d}-$${env:LITERAL}-${env:-x}",
      inputs: [],
    });
  });

  it("replaces the predefined variables with their values, escaped", () => {
    const odd = { workspaceFolder: "/w/${x}", userHome: "/home/u" };
    expect(translateClientTemplate("${workspaceFolder}/a:${userHome}", odd).template).to.equal(
      "/w/$${x}/a:/home/u",
    );
    expect(
      translateClientTemplate("${workspaceFolderBasename}${pathSeparator}${/}", values).template,
    ).to.equal(`workspace${path.sep}${path.sep}`);
    expect(translateClientTemplate("${workspaceRoot}", values).template).to.equal(root);
  });

  it("reports ${input:ID} once each, removing it or keeping it", () => {
    const template = "Bearer ${input:api-key} ${input:api-key} ${input:other}";
    expect(translateClientTemplate(template, values)).to.deep.equal({
      template: "Bearer   ",
      inputs: ["api-key", "other"],
    });
    expect(translateClientTemplate(template, values, { keepInputs: true }).template).to.equal(template);
  });

  it("expands only the predefined variables in paths", () => {
    expect(expandClientPath("${workspaceFolder}/.env.${NAME}", values)).to.equal(`${root}/.env.\${NAME}`);
    expect(expandClientPath("${userHome}/x", values)).to.equal(`${values.userHome}/x`);
  });
});
