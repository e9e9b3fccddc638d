import { formatFramingMarkdown, runFramingBench } from "./framing.js";

/**
 * Runs the framing benchmark alone and prints its markdown tables.
 * Usage: `node bench/dist/framingMain.js [--quick] [--skip-memory] [--json]`.
 */
async function main(argv: readonly string[]): Promise<void> {
  const result = await runFramingBench({
    quick: argv.includes("--quick"),
    skipMemory: argv.includes("--skip-memory"),
  });
  process.stdout.write(
    argv.includes("--json") ? `${JSON.stringify(result, null, 2)}\n` : `${formatFramingMarkdown(result)}\n`,
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(
    `framing bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
