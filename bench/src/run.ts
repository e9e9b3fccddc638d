import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import { runBackpressureBench } from "./backpressureBench.js";
import type { BenchContext } from "./benchContext.js";
import { type BenchItem, type BenchOptions, parseBenchOptions, USAGE } from "./benchOptions.js";
import {
  FLOOR_RELAY_SCRIPT,
  readGatewayVersion,
  readPackageVersion,
  REPO_ROOT,
  resolveEverythingEntry,
  RESULTS_DIR,
} from "./benchPaths.js";
import type { BenchResults } from "./benchResults.js";
import { runDiscoveryBench } from "./discoveryBench.js";
import { runFramingItem } from "./framingItem.js";
import { evaluateGoals } from "./goals.js";
import { runLatencyBench } from "./latencyBench.js";
import { renderMarkdown } from "./markdownReport.js";
import { runMemoryBench } from "./memoryBench.js";
import { runPayloadBench } from "./payloadBench.js";
import { runStartupBench } from "./startupBench.js";
import { renderSvgChart } from "./svgChart.js";
import { runThroughputBench } from "./throughputBench.js";
import { runTokensBench } from "./tokensBench.js";

/** Runs one item and stores its result in `results`. */
async function runItem(item: BenchItem, context: BenchContext, options: BenchOptions, results: BenchResults) {
  switch (item) {
    case "latency":
      results.latency = await runLatencyBench(context);
      return;
    case "throughput":
      results.throughput = await runThroughputBench(context);
      return;
    case "startup":
      results.startup = await runStartupBench(context);
      return;
    case "discovery":
      results.discovery = await runDiscoveryBench(context);
      return;
    case "memory":
      results.memory = await runMemoryBench(context);
      return;
    case "payload":
      results.payload = await runPayloadBench(context);
      return;
    case "framing":
      results.framing = await runFramingItem(options.quick);
      return;
    case "backpressure":
      results.backpressure = await runBackpressureBench(context);
      return;
    case "tokens":
      results.tokens = await runTokensBench(context);
      return;
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseBenchOptions(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const startedAt = performance.now();
  const gatewayAvailable = existsSync(options.gatewayBin);
  const workDir = await mkdtemp(join(tmpdir(), "mcpware-bench-"));
  const log = (message: string): void => void process.stderr.write(`${message}\n`);
  const results: BenchResults = {
    meta: {
      date: new Date().toISOString(),
      quick: options.quick,
      items: options.items,
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? "unknown",
      loadAverageAtStart: roundedLoadAverage(),
      gitCommit: gitCommit(),
      gatewayVersion: readGatewayVersion(),
      sdkVersion: readPackageVersion("@modelcontextprotocol/sdk"),
      serverEverythingVersion: readPackageVersion("@modelcontextprotocol/server-everything"),
      gatewayMeasured: gatewayAvailable,
      durationS: 0,
    },
    goals: [],
    errors: [],
    warnings: [],
  };
  const context: BenchContext = {
    plan: options.plan,
    environment: {
      everythingEntry: resolveEverythingEntry(),
      gatewayBin: options.gatewayBin,
      floorRelayScript: FLOOR_RELAY_SCRIPT,
      workDir,
      gatewayNodeArgs:
        options.profileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${options.profileDir}`],
    },
    gatewayAvailable,
    log,
    warn: (message) => {
      results.warnings.push(message);
      log(`warning: ${message}`);
    },
  };
  if (!gatewayAvailable)
    log(`${relative(REPO_ROOT, options.gatewayBin)} not found: measuring the direct and floor sides only`);
  try {
    for (const item of options.items) {
      const itemStart = performance.now();
      log(`item ${item}…`);
      try {
        await runItem(item, context, options, results);
      } catch (error) {
        const message = error instanceof Error ? describeError(error) : String(error);
        results.errors.push({ item, message });
        log(`item ${item} failed: ${message}`);
      }
      log(`item ${item} done in ${((performance.now() - itemStart) / 1000).toFixed(1)} s`);
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  results.goals = evaluateGoals(results);
  results.meta = {
    ...results.meta,
    loadAverageAtEnd: roundedLoadAverage(),
    durationS: Math.round((performance.now() - startedAt) / 100) / 10,
  };
  process.stdout.write(renderMarkdown(results));
  if (options.writeResults) {
    await mkdir(RESULTS_DIR, { recursive: true });
    await writeAtomically(join(RESULTS_DIR, "latest.json"), `${JSON.stringify(results, null, 2)}\n`);
    await writeAtomically(join(RESULTS_DIR, "latest.svg"), renderSvgChart(results));
    log(`wrote bench/results/latest.json and bench/results/latest.svg`);
  }
  return results.errors.length > 0 ? 1 : 0;
}

async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = `${path}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, path);
}

function roundedLoadAverage(): number[] {
  return loadavg().map((value) => Math.round(value * 100) / 100);
}

function gitCommit(): string | undefined {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: REPO_ROOT, encoding: "utf8" }).trim();
  } catch {
    return undefined;
  }
}

function describeError(error: Error): string {
  const cause = error.cause instanceof Error ? ` (cause: ${error.cause.message})` : "";
  return `${error.message}${cause}`;
}

process.exitCode = await main(process.argv.slice(2));
