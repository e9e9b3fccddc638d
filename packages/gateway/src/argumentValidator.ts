import { Ajv } from "ajv";
import type { ErrorObject, Options, ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import { formatJsonPath, pointerToSegments } from "./configError.js";

/** Schemas written for these dialects are compiled with draft-07 semantics (tuple `items`, `definitions`). */
const DRAFT_07_LIKE = /draft-0[4-7]/;

const AJV_OPTIONS: Options = {
  allErrors: true,
  strict: false,
  validateFormats: false,
  validateSchema: false,
  addUsedSchema: false,
  logger: false,
};

/** A compiled check of one tool's `inputSchema`: `undefined` errors means valid. */
export type ArgumentCheck = (args: unknown) => string[] | undefined;

/**
 * Compiles tool input schemas with ajv: JSON Schema 2020-12 (the MCP default) unless the schema's
 * `$schema` names draft-04/06/07, which are compiled as draft-07. Unknown keywords and formats are
 * ignored (the backend has the last word). One validator per tool list, so ids of different backends
 * never collide.
 */
export class ArgumentValidator {
  // Created on first use: every backend's tool list has a validator, and an ajv instance costs milliseconds
  // of CPU to set up, which discovery of many backends would pay for nothing.
  #modern: Ajv2020 | undefined;
  #draft07: Ajv | undefined;

  /**
   * Compiles `schema`. Returns `undefined` when the schema cannot be compiled (then arguments are not
   * checked locally), with the reason in `onError`.
   */
  compile(schema: unknown, onError?: (error: unknown) => void): ArgumentCheck | undefined {
    if (schema === null || typeof schema !== "object" || Array.isArray(schema)) return undefined;
    const { $schema, ...rest } = schema as Record<string, unknown>;
    const ajv =
      typeof $schema === "string" && DRAFT_07_LIKE.test($schema)
        ? (this.#draft07 ??= new Ajv(AJV_OPTIONS))
        : (this.#modern ??= new Ajv2020(AJV_OPTIONS));
    let validate: ValidateFunction;
    try {
      validate = ajv.compile(rest);
    } catch (error) {
      onError?.(error);
      return undefined;
    }
    return (args) => (validate(args) ? undefined : describeArgumentErrors(validate.errors ?? [], args));
  }
}

/** One line per failing location: `tool_arguments.path: why`. */
export function describeArgumentErrors(errors: readonly ErrorObject[], args: unknown): string[] {
  const lines = new Set<string>();
  for (const error of errors) {
    const segments = pointerToSegments(error.instancePath, args);
    const params = error.params as Record<string, unknown>;
    let at = segments;
    let message = error.message ?? `fails "${error.keyword}"`;
    if (error.keyword === "additionalProperties") {
      at = [...segments, String(params.additionalProperty)];
      message = "is not a known property (not allowed by the schema)";
    } else if (error.keyword === "unevaluatedProperties") {
      at = [...segments, String(params.unevaluatedProperty)];
      message = "is not a known property (not allowed by the schema)";
    } else if (error.keyword === "required") {
      at = [...segments, String(params.missingProperty)];
      message = "is required but missing";
    } else if (error.keyword === "enum") {
      message = `must be one of ${JSON.stringify(params.allowedValues)}`;
    } else if (error.keyword === "const") {
      message = `must be ${JSON.stringify(params.allowedValue)}`;
    }
    lines.add(`${formatJsonPath(at).replace(/^\$/, "tool_arguments")}: ${message}`);
  }
  return [...lines];
}
