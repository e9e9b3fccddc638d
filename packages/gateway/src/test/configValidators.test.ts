import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ErrorObject } from "ajv";
import { arrayForm, keyedForm, mcpServersForm } from "../configValidators.generated.js";
import { CONFIG_SCHEMA_URL } from "../validateConfig.js";

const GENERATOR_URL = new URL("../../scripts/generateConfigValidators.mjs", import.meta.url);
const GENERATED_URL = new URL("../../src/configValidators.generated.ts", import.meta.url);

interface Generator {
  generateConfigValidators(schemaText: string): Promise<string>;
}

type Validator = ((document: unknown) => boolean) & { errors?: ErrorObject[] | null };

describe("configValidators.generated", function () {
  // Loading ajv and prettier on a loaded machine: a guard against hangs, not a performance bound.
  this.timeout(60_000);

  it("matches what the generator makes of config.schema.json (run the script when it does not)", async () => {
    const generator = (await import(GENERATOR_URL.href)) as Generator;
    const schemaText = await readFile(CONFIG_SCHEMA_URL, "utf8");
    const expected = await generator.generateConfigValidators(schemaText);
    const committed = await readFile(GENERATED_URL, "utf8");
    expect(
      committed === expected,
      "src/configValidators.generated.ts is stale: run " +
        "node packages/gateway/scripts/generateConfigValidators.mjs",
    ).to.equal(true);
  });

  it("reports the same errors as the schema compiled at run time", async () => {
    const schema = JSON.parse(await readFile(CONFIG_SCHEMA_URL, "utf8")) as { $id: string };
    const ajv = new Ajv2020({
      allErrors: true,
      strict: true,
      strictTypes: false,
      strictTuples: false,
      logger: false,
    });
    ajv.addSchema(schema);
    const runtime = (form: string): Validator => ajv.getSchema(`${schema.$id}#/$defs/${form}`) as Validator;
    const cases: [Validator, string, unknown][] = [
      [arrayForm as Validator, "arrayForm", { backends: [{ name: "a", command: "x" }] }],
      [
        arrayForm as Validator,
        "arrayForm",
        { backends: [{ name: "-bad", command: "", timeout: -1, extra: 1 }], x: 1 },
      ],
      [keyedForm as Validator, "keyedForm", { backends: { "a b": { command: ["x"], env: { "A=B": 1 } } } }],
      [
        keyedForm as Validator,
        "keyedForm",
        { backends: { a: { command: [], args: [1], idleTimeout: 1e12 } } },
      ],
      [mcpServersForm as Validator, "mcpServersForm", { mcpServers: { a: { command: "x", type: "sse" } } }],
      [mcpServersForm as Validator, "mcpServersForm", { mcpServers: { "😀": { command: "😀" } } }],
    ];
    for (const [generated, form, document] of cases) {
      const reference = runtime(form);
      expect(generated(document), JSON.stringify(document)).to.equal(reference(document));
      expect(generated.errors ?? null, JSON.stringify(document)).to.deep.equal(reference.errors ?? null);
    }
  });
});
