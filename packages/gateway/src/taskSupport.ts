import { isObject } from "@mcpware/protocol";
import type { Tool } from "@mcpware/protocol";

/** What discovery says of a tool that can only run as a task. */
export const NEEDS_TASKS_NOTE =
  'cannot be called through mcpware: it runs only as a task (execution.taskSupport "required"), and mcpware does not support tasks yet';

/** True for a tool whose `execution.taskSupport` is `"required"`: mcpware cannot call it until tasks exist. */
export function needsTasks(tool: Tool): boolean {
  const execution: unknown = tool.execution;
  return isObject(execution) && execution.taskSupport === "required";
}

/** The use_tool answer for such a tool. */
export function needsTasksMessage(backend: string, tool: string): string {
  return `tool "${tool}" on backend "${backend}" ${NEEDS_TASKS_NOTE}; the backend was not called. Use another tool.`;
}
