import { createHash } from "node:crypto";

/** Between a backend's name and its tool's (or prompt's) name in aggregate names: `github__create_issue`. */
export const NAME_SEPARATOR = "__";
/** Longest exposed name: what clients accept for a tool name (`^[a-zA-Z0-9_-]{1,64}$`). */
export const MAX_EXPOSED_NAME_LENGTH = 64;
/** Characters of the stable hash suffix given to a name that cannot be used as it is. */
const HASH_LENGTH = 8;
const USABLE = /^[A-Za-z0-9_-]+$/;

/** One backend item (a tool or a prompt) under its exposed name. */
export interface PrefixedItem {
  backend: string;
  name: string;
}

function hashOf(item: PrefixedItem): string {
  return createHash("sha256").update(`${item.backend}\0${item.name}`).digest("hex").slice(0, HASH_LENGTH);
}

/** `<backend>__<name>` as it is, when it is short enough and uses only `[A-Za-z0-9_-]`; undefined otherwise. */
function plainName(item: PrefixedItem): string | undefined {
  const plain = `${item.backend}${NAME_SEPARATOR}${item.name}`;
  return plain.length <= MAX_EXPOSED_NAME_LENGTH && USABLE.test(plain) ? plain : undefined;
}

/**
 * The name with a stable hash of the backend and item names as a suffix: other characters become `_`, the rest
 * is cut to fit; the hash keeps two such names apart and the same item's name the same on every run.
 */
function hashedName(item: PrefixedItem): string {
  const readable = `${item.backend}${NAME_SEPARATOR}${item.name}`.replace(/[^A-Za-z0-9_-]/g, "_");
  return `${readable.slice(0, MAX_EXPOSED_NAME_LENGTH - HASH_LENGTH - 1)}_${hashOf(item)}`;
}

/**
 * Exposed names for backend items, each unique and stable: `<backend>__<name>` when that is a usable name that no
 * other item also gets; otherwise a hashed name. A collision is never settled by order: every item of a colliding
 * name is hashed.
 */
export function exposedNames(items: readonly PrefixedItem[]): Map<string, PrefixedItem> {
  const plain = items.map(plainName);
  const count = new Map<string, number>();
  for (const name of plain) if (name !== undefined) count.set(name, (count.get(name) ?? 0) + 1);
  // Hashed: unusable names, shared names, and (so the result never depends on order) a usable name that equals
  // another item's hashed name; repeated until nothing changes (in practice at most once).
  const hashed = new Set<number>();
  items.forEach((_, index) => {
    const name = plain[index];
    if (name === undefined || count.get(name)! > 1) hashed.add(index);
  });
  for (let changed = true; changed;) {
    changed = false;
    const taken = new Set([...hashed].map((index) => hashedName(items[index]!)));
    items.forEach((_, index) => {
      if (!hashed.has(index) && taken.has(plain[index]!)) {
        hashed.add(index);
        changed = true;
      }
    });
  }
  const names = new Map<string, PrefixedItem>();
  items.forEach((item, index) => names.set(hashed.has(index) ? hashedName(item) : plain[index]!, item));
  return names;
}
