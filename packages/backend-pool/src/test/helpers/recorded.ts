/** The messages a recording fixture (`recordsMessages`, `modernServer`) wrote to its record file, one JSON line each. */
import { readFile } from "node:fs/promises";

export interface RecordedMessage {
  id?: unknown;
  method?: string;
  params?: Record<string, unknown> & { _meta?: Record<string, unknown> };
}

/** Every message recorded so far (none when the file does not exist yet). */
export async function recordedMessages(file: string): Promise<RecordedMessage[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as RecordedMessage);
}

/** The methods of the recorded messages, in order (undefined for responses). */
export async function recordedMethods(file: string): Promise<(string | undefined)[]> {
  return (await recordedMessages(file)).map((message) => message.method);
}
