#!/usr/bin/env node
// Kill-switch propagation to many Server-Sent Events subscribers.
//
//   node bench/sse_fanout.mjs --port P [--host 127.0.0.1] [--token bench] [--subscribers 1000]
//        [--rounds 20] [--pause-ms 200] [--flag ai-chatbot] [--json]
//
// Opens N streams to GET /v1/stream, waits until every one has received its `snapshot` event,
// then runs R rounds of POST /v1/flags/{flag}/kill followed by /revive. For every round and
// every subscriber it records when the `change` event for that flag reached this process. The
// benchmark is the only writer, so call k (kill, revive, kill, ...) matches each subscriber's
// k-th change event for the flag; its `flag.enabled` is checked against the call.
//
//
//   from response: arrival - the moment the kill call's HTTP response was complete here
//   from request:  arrival - the moment just before the kill request was written
//
// "Arrival" is the time at the top of the socket's 'data' callback that delivered the frame's
// last byte, taken before any parsing in that callback. All subscribers share this one Node
// process and its single event loop, so a subscriber whose bytes came in late in a batch of
// 1,000 ready sockets is stamped only after the callbacks of the ones before it have run. That
// queueing is part of every figure; the report prints the client's own callback time per round
// so the two can be told apart.
//
// Node's built-in `http` module only. Every phase has a deadline and the whole run stops by
// itself after --max-seconds.

import http from 'node:http';
import { performance } from 'node:perf_hooks';

function parseArgs(argv) {
  const options = {
    host: '127.0.0.1',
    port: 0,
    token: process.env.SLUICE_TOKEN || 'bench',
    subscribers: 1000,
    rounds: 20,
    pauseMs: 200,
    flag: 'ai-chatbot',
    connectBatch: 100,
    connectTimeoutMs: 30000,
    roundTimeoutMs: 5000,
    maxSeconds: 150,
    json: false,
  };
  const names = {
    '--host': ['host', String], '--port': ['port', Number], '--token': ['token', String],
    '--subscribers': ['subscribers', Number], '--rounds': ['rounds', Number],
    '--pause-ms': ['pauseMs', Number], '--flag': ['flag', String],
    '--connect-batch': ['connectBatch', Number], '--connect-timeout-ms': ['connectTimeoutMs', Number],
    '--round-timeout-ms': ['roundTimeoutMs', Number], '--max-seconds': ['maxSeconds', Number],
  };
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') { options.json = true; continue; }
    const spec = names[arg];
    if (!spec || i + 1 >= argv.length) {
      console.error(`unknown or incomplete option: ${arg}`);
      process.exit(2);
    }
    const value = spec[1](argv[++i]);
    if (spec[1] === Number && !Number.isFinite(value)) {
      console.error(`${arg} needs a number`);
      process.exit(2);
    }
    options[spec[0]] = value;
  }
  if (!options.port) {
    console.error('--port is required');
    process.exit(2);
  }
  return options;
}

const opt = parseArgs(process.argv);

// A hard stop, whatever happens.
const hardStop = setTimeout(() => {
  console.error(`sse_fanout: gave up after ${opt.maxSeconds} s`);
  process.exit(3);
}, opt.maxSeconds * 1000);
hardStop.unref();

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- subscribers -------------------------------------------------------------------------

let callbackMs = 0;  // time spent inside the subscribers' 'data' callbacks (the client's own cost)

class Subscriber {
  constructor(index) {
    this.index = index;
    this.buffer = '';
    this.snapshotAt = null;
    this.changes = [];  // every change event for opt.flag, in order: {arrived, enabled, version}
    this.open = false;
    this.closed = false;
    this.error = null;
    this.request = null;
  }

  connect() {
    return new Promise((resolve) => {
      const request = http.request({
        host: opt.host, port: opt.port, method: 'GET', path: '/v1/stream',
        headers: { Authorization: `Bearer ${opt.token}`, Accept: 'text/event-stream' },
        agent: false,  // one connection per stream
      });
      this.request = request;
      request.on('response', (response) => {
        if (response.statusCode !== 200) {
          this.error = `status ${response.statusCode}`;
          response.resume();
          resolve();
          return;
        }
        this.open = true;
        response.setEncoding('utf8');
        response.on('data', (chunk) => this.onData(chunk));
        response.on('end', () => this.onClose('end'));
        response.on('close', () => this.onClose('close'));
        resolve();
      });
      request.on('error', (err) => {
        this.error = this.error || err.code || String(err);
        this.onClose('error');
        resolve();
      });
      request.end();
    });
  }

  onClose(why) {
    if (this.closed) return;
    this.closed = true;
    this.open = false;
    if (!this.error && !stopping) this.error = `stream ${why}`;
  }

  onData(chunk) {
    const arrived = performance.now();  // before any parsing
    this.buffer += chunk;
    // SSE: an event ends with a blank line. Accept \n, \r\n and \r line ends.
    if (this.buffer.includes('\r')) this.buffer = this.buffer.replace(/\r\n?/g, '\n');
    let end;
    while ((end = this.buffer.indexOf('\n\n')) !== -1) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      this.onEvent(block, arrived);
    }
    callbackMs += performance.now() - arrived;
  }

  onEvent(block, arrived) {
    let event = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;  // comment (heartbeat)
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0) return;  // an event without data is not dispatched
    if (event === 'snapshot') {
      if (this.snapshotAt === null) this.snapshotAt = arrived;
      return;
    }
    if (event !== 'change') return;
    let parsed;
    try {
      parsed = JSON.parse(data.join('\n'));
    } catch {
      this.error = 'unparsable change event';
      return;
    }
    if (parsed.key === opt.flag) {
      this.changes.push({ arrived, enabled: parsed.flag ? parsed.flag.enabled : null,
                          version: parsed.version });
    }
  }

  close() {
    if (this.request) this.request.destroy();
  }
}

// ---- the kill / revive call --------------------------------------------------------------

const adminAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function post(path) {
  return new Promise((resolve, reject) => {
    const requestStart = performance.now();
    const request = http.request({
      host: opt.host, port: opt.port, method: 'POST', path, agent: adminAgent,
      headers: { Authorization: `Bearer ${opt.token}`, 'Content-Length': 0 },
      timeout: opt.roundTimeoutMs,
    }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { body += chunk; });
      response.on('end', () => {
        const responseEnd = performance.now();
        if (response.statusCode !== 200) {
          reject(new Error(`${path}: status ${response.statusCode} ${body}`));
          return;
        }
        resolve({ requestStart, responseEnd, version: JSON.parse(body).version });
      });
    });
    request.on('timeout', () => request.destroy(new Error(`${path}: timeout`)));
    request.on('error', reject);
    request.end();
  });
}

// ---- statistics ----------------------------------------------------------------------------

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);  // nearest rank
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

function summarize(values) {
  const sorted = Float64Array.from(values).sort();
  return {
    count: sorted.length,
    min: sorted.length ? sorted[0] : NaN,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}

const fmt = (x) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');

// ---- main ----------------------------------------------------------------------------------

let stopping = false;

async function main() {
  const subscribers = Array.from({ length: opt.subscribers }, (_, i) => new Subscriber(i));

  // Connect in batches so the listen backlog is never the bottleneck.
  const connectStart = performance.now();
  for (let i = 0; i < subscribers.length; i += opt.connectBatch) {
    await Promise.all(subscribers.slice(i, i + opt.connectBatch).map((s) => s.connect()));
    if (performance.now() - connectStart > opt.connectTimeoutMs) break;
  }
  // Wait, bounded, for every open stream's snapshot.
  while (performance.now() - connectStart < opt.connectTimeoutMs) {
    if (subscribers.every((s) => s.snapshotAt !== null || s.closed || s.error)) break;
    await sleep(20);
  }
  const ready = subscribers.filter((s) => s.snapshotAt !== null && s.open);
  const connectSeconds = (performance.now() - connectStart) / 1000;
  const failures = subscribers.filter((s) => s.error).map((s) => s.error);
  if (!opt.json) {
    console.log(`subscribers: ${ready.length}/${opt.subscribers} received their snapshot ` +
                `in ${connectSeconds.toFixed(2)} s` +
                (failures.length ? ` (failures: ${[...new Set(failures)].join(', ')})` : ''));
  }
  if (ready.length === 0) throw new Error('no subscriber received a snapshot');

  await sleep(300);  // let the connect burst settle
  const samples = { kill: { fromResponse: [], fromRequest: [] },
                    revive: { fromResponse: [], fromRequest: [] } };
  const rounds = [];
  let missing = 0;
  let wrongState = 0;
  let callIndex = 0;

  for (let round = 0; round < opt.rounds; round++) {
    for (const action of ['kill', 'revive']) {
      const callbackBefore = callbackMs;
      const call = await post(`/v1/flags/${encodeURIComponent(opt.flag)}/${action}`);
      const k = callIndex++;
      // Wait (bounded) until every subscriber still connected has its k-th change.
      const deadline = performance.now() + opt.roundTimeoutMs;
      while (performance.now() < deadline) {
        if (ready.every((s) => s.closed || s.changes.length > k)) break;
        await sleep(2);
      }
      let first = Infinity;
      let last = -Infinity;
      for (const s of ready) {
        const change = s.changes[k];
        if (change === undefined) { missing++; continue; }
        if (change.enabled !== (action === 'revive')) wrongState++;
        const arrived = change.arrived;
        samples[action].fromResponse.push(arrived - call.responseEnd);
        samples[action].fromRequest.push(arrived - call.requestStart);
        first = Math.min(first, arrived);
        last = Math.max(last, arrived);
      }
      rounds.push({
        action, version: call.version,
        callMs: call.responseEnd - call.requestStart,
        firstFromRequestMs: first - call.requestStart,
        lastFromRequestMs: last - call.requestStart,
        clientCallbackMs: callbackMs - callbackBefore,
      });
      await sleep(opt.pauseMs);
    }
  }

  const stillConnected = ready.filter((s) => s.open && !s.closed).length;
  const result = {
    subscribers: opt.subscribers,
    ready: ready.length,
    stillConnected,
    rounds: opt.rounds,
    missing,
    wrongState,
    connectSeconds,
    kill: { fromResponse: summarize(samples.kill.fromResponse),
            fromRequest: summarize(samples.kill.fromRequest) },
    revive: { fromResponse: summarize(samples.revive.fromResponse),
              fromRequest: summarize(samples.revive.fromRequest) },
    callMs: summarize(rounds.map((r) => r.callMs)),
    spreadMs: summarize(rounds.map((r) => r.lastFromRequestMs - r.firstFromRequestMs)),
    clientCallbackMs: summarize(rounds.map((r) => r.clientCallbackMs)),
    beforeResponse: samples.kill.fromResponse.filter((x) => x < 0).length,
  };

  stopping = true;
  for (const s of subscribers) s.close();
  adminAgent.destroy();

  if (opt.json) {
    console.log(JSON.stringify(result));
  } else {
    const row = (name, s) => `| ${name} | ${s.count} | ${fmt(s.p50)} | ${fmt(s.p90)} | ` +
                             `${fmt(s.p99)} | ${fmt(s.max)} |`;
    console.log(`rounds: ${opt.rounds} kill + ${opt.rounds} revive, ${missing} samples missing, ` +
                `${wrongState} with the wrong enabled state, ` +
                `${stillConnected}/${ready.length} subscribers still connected at the end`);
    console.log('| ms | samples | p50 | p90 | p99 | max |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    console.log(row('kill: from response', result.kill.fromResponse));
    console.log(row('kill: from request start', result.kill.fromRequest));
    console.log(row('revive: from response', result.revive.fromResponse));
    console.log(row('revive: from request start', result.revive.fromRequest));
    console.log(row('call round trip (per call)', result.callMs));
    console.log(row('first-to-last arrival (per call)', result.spreadMs));
    console.log(row('client callback time (per call)', result.clientCallbackMs));
    console.log(`kill samples that arrived before the kill response: ${result.beforeResponse}`);
  }
  const s = result.kill.fromResponse;
  console.log(`SLUICE_SSE subscribers=${opt.subscribers} ready=${ready.length} ` +
              `connected_at_end=${stillConnected} rounds=${opt.rounds} missing=${missing} ` +
              `kill_p50_ms=${fmt(s.p50)} kill_p99_ms=${fmt(s.p99)} kill_max_ms=${fmt(s.max)} ` +
              `kill_req_p50_ms=${fmt(result.kill.fromRequest.p50)} ` +
              `kill_req_p99_ms=${fmt(result.kill.fromRequest.p99)} ` +
              `kill_req_max_ms=${fmt(result.kill.fromRequest.max)} ` +
              `revive_p99_ms=${fmt(result.revive.fromResponse.p99)} ` +
              `client_cb_p50_ms=${fmt(result.clientCallbackMs.p50)}`);
  return missing === 0 && wrongState === 0 && stillConnected === ready.length && ready.length === opt.subscribers;
}

main().then((ok) => {
  clearTimeout(hardStop);
  process.exitCode = ok ? 0 : 1;
  // Streams were destroyed; give sockets a moment, then leave regardless.
  setTimeout(() => process.exit(process.exitCode), 200).unref();
}, (err) => {
  console.error(`sse_fanout: ${err.message}`);
  process.exit(1);
});
