/** Marking a whole partition state as changed, so a restored state's documents are all written again. */
import type { FoldResult } from './fold.js';
import type { PartitionState } from './partition-state.js';
import { HashSet64 } from '../hash-set64.js';
import { CustomerSketch } from '../sketch.js';

/**
 * Add every open cell and window of `state` to `fold`'s changed sets (with empty deltas: nothing new was read).
 * Used after a restore: documents a failed attempt or a rewound stretch changed get their values at the restore
 * offset back.
 */
export function markAllDirty(state: PartitionState, fold: FoldResult): void {
  for (const [w, win] of state.windows) {
    for (const c of win.cube.values()) fold.dirtyCube.add(c);
    for (const c of win.content.values()) fold.dirtyContent.add(c);
    if (!fold.windows.has(w)) fold.windows.set(w, { ids: new HashSet64(), customers: new CustomerSketch() });
  }
}
