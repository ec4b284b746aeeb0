import path from 'node:path';
import type { Config } from '../config';
import { openObjectSeal, SEAL_KEY_FILE, type ObjectSeal } from '../records/seal';

/** The object seal key of this configuration (docs/decisions/0011-object-seal-key.md). */
export function sealKeyFile(config: Pick<Config, 'dataDir' | 'integrity'>): string {
  return path.resolve(config.integrity.macKeyFile ?? path.join(config.dataDir, SEAL_KEY_FILE));
}

/** Opens the seal: the local profile makes its key on first start, production must have it. */
export function openArchiveSeal(config: Pick<Config, 'dataDir' | 'integrity' | 'profile'>): ObjectSeal {
  return openObjectSeal(sealKeyFile(config), { create: config.profile === 'local' });
}
