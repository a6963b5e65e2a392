// A Server-Sent Events parser (the WHATWG "event stream" format) fed with text chunks as they
// arrive; chunk boundaries may fall anywhere, including between the CR and LF of one line end.
export function createSseParser(onEvent) {
  let buffer = '';
  let event = { type: '', data: [], id: null };

  function line(text) {
    if (text === '') {
      if (event.data.length) onEvent({ type: event.type || 'message', data: event.data.join('\n'), id: event.id });
      else if (event.id !== null) onEvent({ type: null, data: null, id: event.id });
      event = { type: '', data: [], id: null };
      return;
    }
    if (text.startsWith(':')) return; // a comment: the server's heartbeat
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event.type = value;
    else if (field === 'data') event.data.push(value);
    else if (field === 'id' && !value.includes('\0')) event.id = value;
  }

  return function feed(chunk) {
    buffer += chunk;
    for (;;) {
      const end = buffer.search(/[\r\n]/);
      if (end < 0) return;
      // a CR at the very end may be the first half of CRLF: wait for the next chunk
      if (buffer[end] === '\r' && end === buffer.length - 1) return;
      const width = buffer[end] === '\r' && buffer[end + 1] === '\n' ? 2 : 1;
      const text = buffer.slice(0, end);
      buffer = buffer.slice(end + width);
      line(text);
    }
  };
}
