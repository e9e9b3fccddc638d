/** Talk JSON-RPC to a raw child process (for tests below the pool). */
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";

let nextId = 1;

/** Send one request on the child's stdin and resolve with the `result` of the matching reply line. */
export function rawCall(
  child: ChildProcessWithoutNullStreams,
  method: string,
  params: unknown = {},
): Promise<unknown> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const onExit = (): void => reject(new Error(`child exited before answering ${method}`));
    lines.on("line", (line) => {
      let message: { id?: unknown; result?: unknown };
      try {
        message = JSON.parse(line) as typeof message;
      } catch {
        return;
      }
      if (message.id === id) {
        lines.close();
        child.off("exit", onExit);
        resolve(message.result);
      }
    });
    child.once("exit", onExit);
    child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
  });
}
