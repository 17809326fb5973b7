// Index implementations by name (docs/architecture.md, decision 4). 'persistent-set' (the default)
// and 'hitchhiker-tree' are always present; other
// implementations plug in with `registerIndex` and are picked by `config.index`. The map is
// owned by this module and changes only through `registerIndex`.

import { CairnError, show } from '../util/errors.js';
import { hitchhikerTree } from './hitchhiker/index.js';
import { persistentSet } from './persistent-set/index.js';
import type { IndexFactory } from './types.js';

export const DEFAULT_INDEX = 'persistent-set';

const factories = new Map<string, IndexFactory>([
  [DEFAULT_INDEX, persistentSet],
  ['hitchhiker-tree', hitchhikerTree],
]);

/** Register (or replace) the implementation used for `config.index === name`. */
export function registerIndex(name: string, factory: IndexFactory): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new CairnError('config/invalid', `index name must be a non-empty string, got ${show(name)}`, { name: show(name) });
  }
  const f = factory as Partial<IndexFactory> | null;
  if (f === null || typeof f !== 'object' || typeof f.empty !== 'function' || typeof f.fromSorted !== 'function' || typeof f.restore !== 'function') {
    throw new CairnError('config/invalid', `index ${show(name)} must provide empty, fromSorted and restore`, { name });
  }
  factories.set(name, factory);
}

export function getIndex(name: string): IndexFactory {
  const f = factories.get(name);
  if (f === undefined) {
    throw new CairnError('index/unknown', `unknown index ${show(name)}; registered: ${[...factories.keys()].join(', ')}`, {
      name: show(name),
      registered: [...factories.keys()],
    });
  }
  return f;
}

/** Names of every registered index. */
export function indexNames(): string[] {
  return [...factories.keys()];
}
