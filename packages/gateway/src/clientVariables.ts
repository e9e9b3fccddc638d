import { homedir } from "node:os";
import path from "node:path";

/**
 * What the variables that VS Code and Cursor predefine stand for, for one config file. mcpware gives them the
 * meaning those editors do for a file in the workspace's `.vscode` or `.cursor` folder.
 */
export interface ClientVariableValues {
  /** The folder above `.vscode`/`.cursor` when the config is in one, else the config file's folder. */
  workspaceFolder: string;
  userHome: string;
}

/** Editor folders whose parent is the workspace. */
const EDITOR_FOLDERS = new Set([".vscode", ".cursor"]);

/** The predefined variables' values for a config file in `configDir`. */
export function clientVariableValues(configDir: string, userHome: string = homedir()): ClientVariableValues {
  const workspaceFolder = EDITOR_FOLDERS.has(path.basename(configDir)) ? path.dirname(configDir) : configDir;
  return { workspaceFolder, userHome };
}

function predefinedValue(name: string, values: ClientVariableValues): string | undefined {
  switch (name) {
    case "workspaceFolder":
    case "workspaceRoot":
      return values.workspaceFolder;
    case "workspaceFolderBasename":
      return path.basename(values.workspaceFolder);
    case "userHome":
      return values.userHome;
    case "pathSeparator":
    case "/":
      return path.sep;
    default:
      return undefined;
  }
}

// `$${` (mcpware's literal `${`), `${env:NAME}` / `${input:ID}` (VS Code, Cursor; `${env:-x}` is mcpware's
// default syntax) and `${name}`.
const CLIENT_REFERENCE = /\$\$\{|\$\{(env|input):(?!-)([^}]*)\}|\$\{([^}:]*)\}/g;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A template with the editors' references rewritten into mcpware's syntax. */
export interface ClientTemplate {
  template: string;
  /** The ids of the `${input:ID}` references (values VS Code prompts for), in order of appearance. */
  inputs: string[];
}

/**
 * Rewrites the references VS Code and Cursor write in `command`, `args` and `env` into mcpware's syntax:
 * `${env:NAME}` becomes `${NAME}`; a predefined variable (`${workspaceFolder}`, `${userHome}`, …) becomes its
 * value (escaped); `${input:ID}`, a value the editor prompts for, is removed and reported in `inputs` (or kept
 * with `keepInputs`). Every other reference is left to mcpware's substitution.
 */
export function translateClientTemplate(
  template: string,
  values: ClientVariableValues,
  options: { keepInputs?: boolean } = {},
): ClientTemplate {
  const inputs: string[] = [];
  const translated = template.replace(
    CLIENT_REFERENCE,
    (match, kind: string | undefined, argument: string | undefined, name: string | undefined) => {
      if (kind === "env") return VARIABLE_NAME.test(argument!) ? `\${${argument}}` : match;
      if (kind === "input") {
        if (!inputs.includes(argument!)) inputs.push(argument!);
        return options.keepInputs === true ? match : "";
      }
      const value = name === undefined ? undefined : predefinedValue(name, values);
      // A value is literal text: its own "${" must not start a reference.
      return value === undefined ? match : value.replaceAll("${", () => "$${");
    },
  );
  return { template: translated, inputs };
}

/**
 * Replaces the predefined variables in a path that mcpware does not otherwise substitute (`cwd`, `envFile`);
 * everything else is kept as written.
 */
export function expandClientPath(text: string, values: ClientVariableValues): string {
  return text.replace(/\$\{([^}:]*)\}/g, (match, name: string) => predefinedValue(name, values) ?? match);
}
