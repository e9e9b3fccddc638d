import { EraCache, defaultEraCacheFile, eraCacheKey } from "@mcpware/backend-pool";
import type { DoctorCheck } from "./doctor.js";
import type { GatewayConfig } from "./resolveConfig.js";

/**
 * The MCP era of each backend as the pool remembers it (its era cache: no backend is started): `2026-07-28`
 * for a modern one, `legacy` for one that answered `server/discover` with an error, or not known before its
 * first start. Information only: never fails the run.
 */
export async function checkEras(config: GatewayConfig, env: NodeJS.ProcessEnv): Promise<DoctorCheck[]> {
  const file = defaultEraCacheFile(env);
  const problems: string[] = [];
  const cache = new EraCache(file, (message) => problems.push(message));
  const checks: DoctorCheck[] = [];
  for (const backend of config.backends) {
    if (backend.spec === undefined) continue;
    const era = await cache.lookup(eraCacheKey(backend.spec.command, backend.spec.args ?? []));
    checks.push({
      ok: undefined,
      subject: `era ${backend.name}`,
      detail:
        era === "modern"
          ? "2026-07-28 (modern: server/discover, no initialize)"
          : era === "legacy"
            ? "legacy (initialize; MCP 2025-11-25 or older)"
            : "not known yet: learnt at its first start (server/discover, else initialize)",
    });
  }
  for (const problem of problems) checks.push({ ok: undefined, subject: "era cache", detail: problem });
  return checks;
}
