import type { Socket } from 'node:net';

/**
 * Pausing a net.Socket stops the 'data' events, not the reading: libuv reads once more (up to
 * 64 KiB) into the stream's buffer before the stream tells it to stop. For a connection
 * paused because it is abusive (a flood that never reads its answers, one waiting in the
 * bulk lane) that chunk is memory held and a copy made for nothing — 3,000 such connections
 * held ~190 MB. So the handle itself stops reading at once, and starts again on resume: the
 * bytes stay in the kernel, and TCP pushes back on the sender.
 *
 * `_handle.readStop()`/`readStart()` and its `reading` flag are what net.Socket's own pause
 * uses when it reads into a caller's buffer (`onread`); where they are missing (another
 * runtime, a socket not backed by a TCP handle) this is plain pause/resume.
 */
interface ReadingHandle {
  reading: boolean;
  readStop(): number;
  readStart(): number;
}

function handleOf(socket: Socket): ReadingHandle | null {
  const handle = (socket as unknown as { _handle?: Partial<ReadingHandle> | null })._handle;
  return handle != null && typeof handle.readStop === 'function' && typeof handle.readStart === 'function' ? (handle as ReadingHandle) : null;
}

export function stopReading(socket: Socket): void {
  socket.pause();
  const handle = handleOf(socket);
  if (handle === null || !handle.reading || socket.destroyed) return;
  handle.reading = false;
  handle.readStop();
}

export function resumeReading(socket: Socket): void {
  socket.resume();
  const handle = handleOf(socket);
  // The stream may still count a read as outstanding and so never ask again: start it here.
  if (handle === null || handle.reading || socket.destroyed || socket.readableEnded) return;
  handle.reading = true;
  const err = handle.readStart();
  if (err !== 0) socket.destroy(new Error(`readStart failed (${err})`));
}
