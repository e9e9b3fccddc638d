/**
 * `mcpware doctor`: checks the environment the gateway runs in (stub until the Docker checks land).
 * Resolves with the process exit code.
 */
export async function runDoctor(
  options: { configPath: string; envFile?: string },
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  void options;
  io.stderr.write("mcpware doctor: not implemented\n");
  return 1;
}
