/** One problem in a config file: where (a JSON path such as `$.backends[0].timeout`) and what. */
export interface ConfigProblem {
  path: string;
  message: string;
}

/**
 * The config cannot be used: unreadable, not JSON, or not valid against the schema. Carries every problem
 * found, not just the first. The CLI prints them to stderr and exits with status 2.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  /** The config file, when the config came from one. */
  readonly file: string | undefined;
  readonly problems: readonly ConfigProblem[];

  constructor(
    problems: readonly ConfigProblem[],
    options: { file?: string | undefined; cause?: unknown } = {},
  ) {
    const where = options.file === undefined ? "config" : `config ${options.file}`;
    super(
      `invalid ${where}: ${problems.length} problem${problems.length === 1 ? "" : "s"}\n` +
        problems.map((problem) => `  ${problem.path}: ${problem.message}`).join("\n"),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.file = options.file;
    this.problems = problems;
  }
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Formats path segments as a JSON path: `["backends", 0, "a b"]` → `$.backends[0]["a b"]`. */
export function formatJsonPath(segments: readonly (string | number)[]): string {
  let path = "$";
  for (const segment of segments) {
    if (typeof segment === "number") path += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) path += `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

/**
 * Converts a JSON Pointer (`/backends/0/timeout`, as ajv reports) into path segments. A segment is an index
 * when it addresses an array element of `document`, so a backend named "0" stays a key.
 */
export function pointerToSegments(pointer: string, document: unknown): (string | number)[] {
  if (pointer === "") return [];
  const segments: (string | number)[] = [];
  let node: unknown = document;
  for (const raw of pointer.slice(1).split("/")) {
    const segment = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node) && /^(0|[1-9][0-9]*)$/.test(segment)) {
      segments.push(Number(segment));
      node = node[Number(segment)];
    } else {
      segments.push(segment);
      node =
        node !== null && typeof node === "object" && Object.hasOwn(node, segment)
          ? (node as Record<string, unknown>)[segment]
          : undefined;
    }
  }
  return segments;
}
