/**
 * The suite's fixtures, built on each other: a file's gateway (started on first use, stopped
 * after the file's last test) and an account on it. A file changes them at its top level:
 *
 *   test.override('gatewayConfig', { apiKeyCacheMs: 200 });
 *   test.override('shopName', 'Lifecycle shop');
 *
 * File-scoped, so a file's tests share one gateway; a test that needs a gateway of its own still
 * calls startGateway. Each file also starts its gateway in a beforeAll, through the very `test` its
 * tests use (a file-scoped fixture is one per `test` chain):
 *
 *   test.beforeAll(({ gateway }) => void gateway);
 *
 * so that a slow start (PGlite on a busy machine) spends the hook's time, not the first test's.
 */
import { test as base } from 'vitest';
import type { Config } from '../src/config.js';
import { startGateway } from './testkit.js';

export const test = base
  .extend('gatewayConfig', { scope: 'file' }, {} as Partial<Config>)
  .extend('gateway', { scope: 'file' }, async ({ gatewayConfig }, { onCleanup }) => {
    const gateway = await startGateway(gatewayConfig);
    onCleanup(() => gateway.stop());
    return gateway;
  })
  .extend('shopName', { scope: 'file' }, 'Test shop')
  .extend('shop', { scope: 'file' }, ({ gateway, shopName }) => gateway.createAccount(shopName));
