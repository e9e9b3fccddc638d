/** Longest URI template compiled (characters): a longer one is ignored, like a malformed one. */
export const MAX_URI_TEMPLATE_LENGTH = 2_000;

/** Whether a URI is one a resource template can produce. */
export interface UriTemplateMatcher {
  readonly template: string;
  matches(uri: string): boolean;
}

/**
 * What one expression may expand to: nothing, or (its operator's `prefix`, then) characters none of which is in
 * `excluded`.
 */
interface Gap {
  readonly prefix: string | undefined;
  readonly excluded: string;
}

/** One literal character or one expression of a template. */
type Element = string | Gap;

// By operator (RFC 6570 §3.2). Simple expansion (level 1, `{id}`) percent-encodes reserved characters, so its value
// never holds `/`, `?` or `#`: one path segment at most. The other operators are matched loosely (they only decide
// which backend a URI goes to).
const GAPS: Readonly<Record<string, Gap>> = {
  "": { prefix: undefined, excluded: "/?#" },
  "+": { prefix: undefined, excluded: "" },
  "#": { prefix: "#", excluded: "" },
  ".": { prefix: ".", excluded: "/?#" },
  "/": { prefix: "/", excluded: "?#" },
  ";": { prefix: ";", excluded: "/?#" },
  "?": { prefix: "?", excluded: "#" },
  "&": { prefix: "&", excluded: "#" },
};

const VARIABLE = "[A-Za-z0-9_.%]+(?::[1-9][0-9]{0,3}|\\*)?";
const VARIABLE_LIST = new RegExp(`^${VARIABLE}(?:,${VARIABLE})*$`);

/**
 * A matcher for an RFC 6570 URI template: exact for level 1 (simple string expansion, e.g.
 * `test://static/resource/{id}`), loose for the other operators. `undefined` for a malformed template (unbalanced
 * braces, a bad variable list) or one over {@link MAX_URI_TEMPLATE_LENGTH} characters. Matching takes time
 * proportional to the URI's length times the template's, whatever either holds: templates come from backends and
 * URIs from clients, and neither may stall the gateway.
 */
export function compileUriTemplate(template: string): UriTemplateMatcher | undefined {
  if (template.length > MAX_URI_TEMPLATE_LENGTH) return undefined;
  const elements: Element[] = [];
  let index = 0;
  while (index < template.length) {
    const char = template[index]!;
    if (char === "}") return undefined;
    if (char !== "{") {
      elements.push(char);
      index += 1;
      continue;
    }
    const close = template.indexOf("}", index + 1);
    if (close === -1) return undefined;
    const expression = template.slice(index + 1, close);
    const operator = /^[+#./;?&]/.test(expression) ? expression[0]! : "";
    if (!VARIABLE_LIST.test(expression.slice(operator.length))) return undefined;
    elements.push(GAPS[operator]!);
    index = close + 1;
  }
  return { template, matches: (uri) => matchElements(elements, uri) };
}

/**
 * Runs the template as a nondeterministic automaton over the URI, all paths at once (no backtracking). State
 * `2i` is "at element i"; `2i + 1` is "inside the expression at element i, having read at least one character".
 */
function matchElements(elements: readonly Element[], uri: string): boolean {
  const size = 2 * elements.length + 2;
  let current = new Uint8Array(size);
  let next = new Uint8Array(size);
  current[0] = 1;
  closeOver(elements, current);
  for (const char of uri) {
    next.fill(0);
    let alive = false;
    for (let state = 0; state < size; state++) {
      if (current[state] === 0) continue;
      const position = state >> 1;
      const element = elements[position];
      if (element === undefined) continue;
      if (typeof element === "string") {
        if (element === char) {
          next[2 * (position + 1)] = 1;
          alive = true;
        }
        continue;
      }
      const inside = (state & 1) === 1;
      const accepted =
        !inside && element.prefix !== undefined ? char === element.prefix : !element.excluded.includes(char);
      if (accepted) {
        next[2 * position + 1] = 1;
        alive = true;
      }
    }
    if (!alive) return false;
    closeOver(elements, next);
    [current, next] = [next, current];
  }
  return current[2 * elements.length] === 1;
}

/** Adds the states reachable without reading: past an expression that expands to nothing, or ends here. */
function closeOver(elements: readonly Element[], states: Uint8Array): void {
  for (let position = 0; position < elements.length; position++) {
    if (typeof elements[position] === "string") continue;
    if (states[2 * position] === 1 || states[2 * position + 1] === 1) states[2 * (position + 1)] = 1;
  }
}
