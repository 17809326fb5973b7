// Types for scripts/pg-cluster.mjs, which the PostgreSQL tests import (test/pg-server.ts).
export function findBinaries(): string | undefined;
export function installPostgres(): boolean;
export function startCluster(options?: { install?: boolean }): Promise<{ url: string; dir: string }>;
export function stopCluster(dir: string): void;
