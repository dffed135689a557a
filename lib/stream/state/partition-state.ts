/**
 * Keyed operator state of one input partition, held in the stream worker between micro-batches: the open
 * event-time windows (a dimension cube, a content rollup, a customer sketch and the event ids seen, for dedupe),
 * the partition's event-time progress and the offset the state is at. A window is dropped once the watermark
 * passes its end: every event it could still receive would be late, so its documents are final.
 */
import { HashSet64 } from '../hash-set64.js';
import { CustomerSketch } from '../sketch.js';

/** Dimensions of a cube cell (everything but the window). */
export interface CubeDims {
  eventType: string;
  country: string;
  plan: string;
  device: string;
  statusCategory: string;
}

/** Absolute totals of one partition's events in a window-cube cell. */
export interface CubeCell extends CubeDims {
  windowStartMs: number;
  events: number;
  watchMs: number;
  unknownCustomerEvents: number;
  /** Start offset of the micro-batch that created the cell (a retry or rewind from before it deletes its document). */
  firstOffset: number;
}

/** Absolute totals of one partition's events for a content id in a window. */
export interface ContentCell {
  windowStartMs: number;
  contentId: string;
  events: number;
  watchMs: number;
  unknownCustomerEvents: number;
  firstOffset: number;
}

/** One open event-time window of one partition. */
export class WindowState {
  /** Cube cells by `cubeKey`. */
  readonly cube = new Map<string, CubeCell>();
  /** Content cells by content id. */
  readonly content = new Map<string, ContentCell>();
  /** 64-bit hashes of the event ids accepted in this window (duplicates share their original's event time). */
  readonly ids = new HashSet64();
  /** Distinct customers of the window (exact below 10,000, HyperLogLog above). */
  readonly customers = new CustomerSketch();
  /** Accepted events in the window. */
  events = 0;
  constructor(
    readonly startMs: number,
    /** Start offset of the micro-batch that opened the window. */
    readonly firstOffset: number,
  ) {}
}

/** Key of a cube cell inside its window (also part of its document id and output-topic key). */
export const cubeKey = (d: CubeDims): string => `${d.eventType}|${d.country}|${d.plan}|${d.device}|${d.statusCategory}`;

/** The state of one input partition. */
export class PartitionState {
  /** Open windows by start (epoch ms). */
  readonly windows = new Map<number, WindowState>();
  constructor(
    readonly partition: number,
    readonly windowMs: number,
    /** Next offset to read: the state holds every message before it. */
    public offset = 0,
    /** Highest watermark applied (epoch ms); never goes back, so a closed window stays closed. */
    public watermarkMs = 0,
    /** Largest event time accepted or found late (epoch ms), null before the first valid event. */
    public maxEventMs: number | null = null,
  ) {}

  /** Apply a watermark: raise it (never lower) and drop the windows that end at or before it. */
  advanceWatermark(watermarkMs: number): void {
    if (watermarkMs > this.watermarkMs) this.watermarkMs = watermarkMs;
    for (const w of this.windows.keys()) if (w + this.windowMs <= this.watermarkMs) this.windows.delete(w);
  }

  /** The window starting at `startMs`, opened by the batch starting at `batchStart` when absent. */
  window(startMs: number, batchStart: number): WindowState {
    let win = this.windows.get(startMs);
    if (!win) {
      win = new WindowState(startMs, batchStart);
      this.windows.set(startMs, win);
    }
    return win;
  }

  /** Event ids and cells held (for progress and benchmarks). */
  size(): { windows: number; ids: number; cubeCells: number; contentCells: number } {
    let ids = 0;
    let cubeCells = 0;
    let contentCells = 0;
    for (const w of this.windows.values()) {
      ids += w.ids.size;
      cubeCells += w.cube.size;
      contentCells += w.content.size;
    }
    return { windows: this.windows.size, ids, cubeCells, contentCells };
  }
}
