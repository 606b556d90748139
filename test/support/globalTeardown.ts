import type { Stack } from '../../scripts/stack';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __kamiflowStack?: Stack }).__kamiflowStack?.stop();
}
