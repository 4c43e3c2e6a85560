import postgres from 'postgres';
import type { TestProject } from 'vitest/node';

/**
 * With DATABASE_URL set, the run gets a database of its own on that server, created here and
 * dropped afterwards, so that runs never see each other's rows or an older schema.
 * Without it, each test file's gateway runs on an in-memory PGlite.
 */
export default async function setup(project: TestProject) {
  const baseUrl = process.env.DATABASE_URL;
  if (!baseUrl) {
    project.provide('databaseUrl', '');
    return;
  }
  const name = `gateway_test_${process.pid}_${Date.now()}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  project.provide('databaseUrl', url.toString());
  return async () => {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}
