// GET /v1/stream read with fetch (EventSource cannot send an Authorization header): a small
// Server-Sent Events parser, reconnecting with backoff and Last-Event-ID so changes made while
// disconnected are replayed instead of missed.
import { getToken, reportUnauthorized } from './api.js';
import { createSseParser } from './sse.js';

const IDLE_TIMEOUT_MS = 45000; // the server sends a heartbeat every 15 s by default

export function openStream({ onEvent, onStatus }) {
  let stopped = false;
  let controller = null;
  let lastId = null;
  let backoff = 500;

  function dispatch(event) {
    if (event.id !== null) lastId = event.id;
    if (event.data === null) return;
    let data;
    try {
      data = JSON.parse(event.data);
    } catch {
      return;
    }
    onEvent(event.type, data);
  }

  async function readOnce() {
    controller = new AbortController();
    let idleTimer = null;
    const kick = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => controller.abort(), IDLE_TIMEOUT_MS);
    };
    kick();
    try {
      const headers = { Authorization: `Bearer ${getToken()}`, Accept: 'text/event-stream' };
      if (lastId !== null) headers['Last-Event-ID'] = lastId;
      const response = await fetch('/v1/stream', { headers, signal: controller.signal });
      if (response.status === 401) {
        stopped = true;
        reportUnauthorized('the server refused the token');
        return;
      }
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      onStatus('live');
      backoff = 500;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      const feed = createSseParser(dispatch);
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        kick();
        feed(value);
      }
    } catch {
      // a network error, the idle timeout or close(): reconnect below unless closed
    } finally {
      clearTimeout(idleTimer);
    }
  }

  (async () => {
    while (!stopped) {
      await readOnce();
      if (stopped) break;
      onStatus('reconnecting');
      await new Promise((resolve) => setTimeout(resolve, backoff));
      backoff = Math.min(backoff * 2, 15000);
    }
  })();

  return () => {
    stopped = true;
    if (controller) controller.abort();
  };
}
