#!/usr/bin/env node
import { flushStream } from "./cliIo.js";
import { runCli } from "./cli.js";

const exit = (code: number): never => process.exit(code);
const status = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  exit,
});
await Promise.all([flushStream(process.stdout), flushStream(process.stderr)]);
exit(status);
