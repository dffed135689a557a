/**
 * Worker-thread body of the stream state (started by `client.ts`): a {@link StateHost} driven by messages
 * `{ id, op, args }`; every op but `fold` answers `{ id, ok, result | error }`. `fold` answers `{ folded: bytes }`
 * (the sender's back-pressure); its errors surface at `finish`. Transfers the checkpoint payloads back instead of copying them.
 */
import { parentPort } from 'node:worker_threads';
import { profileLookup, type ProfileSnapshot } from '../../profile-cache.js';
import { StateHost, type BatchOutput, type BatchParams, type PackedMessages } from './host.js';

const port = parentPort!;
const host = new StateHost();

type Request =
  | { id: number; op: 'has'; args: [string, number, number, number] }
  | { id: number; op: 'restore'; args: [string, number, number, number, Uint8Array[]] }
  | { id: number; op: 'begin'; args: [BatchParams] }
  | { id: number; op: 'fold'; args: [string, PackedMessages] }
  | { id: number; op: 'finish'; args: [string, number, number, number, string] }
  | { id: number; op: 'drop'; args: [string, number[]] }
  | { id: number; op: 'profiles'; args: [ProfileSnapshot] };

port.on('message', (r: Request) => {
  if (r.op === 'fold') {
    host.foldPacked(...r.args);
    return port.postMessage({ folded: r.args[1].values.byteLength });
  }
  try {
    let result: unknown;
    if (r.op === 'has') result = host.has(...r.args);
    else if (r.op === 'restore') host.restore(...r.args);
    else if (r.op === 'begin') host.begin(...r.args);
    else if (r.op === 'drop') host.drop(...r.args);
    else if (r.op === 'profiles') host.setLookup(profileLookup(r.args[0]));
    else if (r.op === 'finish') result = host.finish(...r.args) satisfies BatchOutput;
    port.postMessage({ id: r.id, ok: true, result });
  } catch (err) {
    port.postMessage({ id: r.id, ok: false, error: { name: (err as Error).name, message: (err as Error).message } });
  }
});
