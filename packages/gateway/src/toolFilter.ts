import picomatch from "picomatch";

/** Stands for "/" while matching (a control character no tool name or pattern contains). */
const SLASH = "\u001f";

/** A backend's `tools` setting: glob patterns on tool names. */
export interface ToolPatterns {
  allow?: string[];
  deny?: string[];
}

/** Which tools of a backend the model may see and call. */
export interface ToolFilter {
  /** True when `tool` may be listed and called. */
  allows(tool: string): boolean;
  /** Why `tool` is filtered out, for the error a call to it gets. */
  reason(tool: string): string;
}

/**
 * The filter of a backend's `tools` setting, or undefined when it has none: a tool must match one of `allow`
 * (when given) and none of `deny`. Patterns are picomatch globs on the whole name (`*`, `?`, `[abc]`, `{a,b}`).
 */
export function toolFilter(patterns: ToolPatterns | undefined): ToolFilter | undefined {
  if (patterns === undefined) return undefined;
  const { allow, deny } = patterns;
  if ((allow === undefined || allow.length === 0) && (deny === undefined || deny.length === 0))
    return undefined;
  const options = { dot: true, nobrace: false };
  // Tool names are not paths: "/" is an ordinary character (picomatch would not let "*" cross it).
  const plain = (text: string): string => text.replaceAll("/", SLASH);
  const compile = (patterns: string[] | undefined) => {
    if (patterns === undefined || patterns.length === 0) return undefined;
    const matcher = picomatch(patterns.map(plain), options);
    return (tool: string): boolean => matcher(plain(tool));
  };
  const allowed = compile(allow);
  const denied = compile(deny);
  return {
    allows: (tool) => (allowed === undefined || allowed(tool)) && (denied === undefined || !denied(tool)),
    reason: (tool) =>
      denied?.(tool) === true
        ? `it matches the config's tools.deny (${deny!.join(", ")})`
        : `it matches none of the config's tools.allow (${allow!.join(", ")})`,
  };
}
