/** A `${…}` reference that cannot be parsed; the message says what is wrong. */
export class SubstitutionSyntaxError extends Error {
  override readonly name = "SubstitutionSyntaxError";
  /** Offset of the offending `$` in the template. */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

/** The outcome of substituting one template. */
export interface Substitution {
  /** The template with every reference replaced (missing variables replaced by ""). */
  value: string;
  /** The same, with every value that came from a variable replaced by `***`. */
  masked: string;
  /** Names of referenced variables that are not set and have no default, in order of appearance. */
  missing: string[];
  /** Values taken from variables (secrets: never to be logged). */
  substituted: string[];
}

/** Replaces variable values in `masked`. */
export const MASK = "***";

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Substitutes `${VAR}` and `${VAR:-default}` in one pass; `$${` writes a literal `${`.
 *
 * `${VAR:-default}` uses `default` when VAR is unset or empty (as in POSIX shells). Values and defaults are
 * inserted as they are, never re-expanded; a default runs to the first `}` and cannot contain references.
 * A `$` not followed by `{` is literal. No other shell syntax exists.
 *
 * @throws SubstitutionSyntaxError for an unclosed `${`, an invalid variable name or an unknown operator.
 */
export function substituteVariables(
  template: string,
  lookup: (name: string) => string | undefined,
): Substitution {
  let value = "";
  let masked = "";
  const missing: string[] = [];
  const substituted: string[] = [];
  let index = 0;
  while (index < template.length) {
    const dollar = template.indexOf("$", index);
    if (dollar === -1) {
      value += template.slice(index);
      masked += template.slice(index);
      break;
    }
    const literal = template.slice(index, dollar);
    value += literal;
    masked += literal;
    if (template.startsWith("$${", dollar)) {
      value += "${";
      masked += "${";
      index = dollar + 3;
      continue;
    }
    if (template[dollar + 1] !== "{") {
      value += "$";
      masked += "$";
      index = dollar + 1;
      continue;
    }
    const close = template.indexOf("}", dollar + 2);
    if (close === -1) throw new SubstitutionSyntaxError(`unclosed "\${" at offset ${dollar}`, dollar);
    const body = template.slice(dollar + 2, close);
    const operator = body.indexOf(":-");
    const name = operator === -1 ? body : body.slice(0, operator);
    if (!VARIABLE_NAME.test(name)) {
      throw new SubstitutionSyntaxError(
        `invalid variable reference "\${${body}}" at offset ${dollar}: use \${NAME} or \${NAME:-default}` +
          ` (NAME: letters, digits and _), or $\${ for a literal \${`,
        dollar,
      );
    }
    const found = lookup(name);
    if (operator !== -1 && (found === undefined || found === "")) {
      const fallback = body.slice(operator + 2);
      value += fallback;
      masked += fallback;
    } else if (found === undefined) {
      if (!missing.includes(name)) missing.push(name);
    } else {
      value += found;
      masked += found === "" ? "" : MASK;
      if (found !== "") substituted.push(found);
    }
    index = close + 1;
  }
  return { value, masked, missing, substituted };
}
