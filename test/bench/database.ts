/**
 * A fresh PostgreSQL database for one bench run, on the server DATABASE_URL names (by default
 * the local one), dropped at the end: runs never see each other's rows, and nothing is left
 * behind in the database a developer points at.
 */
import postgres from 'postgres';

const DEFAULT_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  url: string;
  name: string;
  serverVersion: string;
  drop(): Promise<void>;
}

export async function createBenchDatabase(
  serverUrl = process.env.DATABASE_URL || DEFAULT_SERVER_URL,
): Promise<BenchDatabase> {
  const name = `gateway_bench_${process.pid}_${Date.now()}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  const [version] = await admin<{ server_version: string }[]>`show server_version`;
  await admin.unsafe(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    serverVersion: version?.server_version ?? 'unknown',
    async drop() {
      if (dropped) return;
      dropped = true;
      try {
        await admin.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await admin.end({ timeout: 5 });
      }
    },
  };
}
