// Times as `akri-ts status` prints them: the local time of day for today's, with the date for
// older ones. Absolute rather than "12 s ago", so a frame of the live view on a pipe (printed
// only when something changed) does not change every second.
export function localTime(isoTime: string, now: Date): string {
  const t = new Date(isoTime);
  if (Number.isNaN(t.getTime())) return '-';
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}`;
  return t.toDateString() === now.toDateString() ? time : `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}T${time}`;
}
