// Sends Events a few at a time. A burst (a thousand brokers created at start-up) would
// otherwise open a thousand concurrent TLS requests, each holding its own socket and buffers,
// and take the API server's time from the writes that matter. Events wait in order, none dropped.
export class EventPacer {
  private readonly waiting: Array<() => Promise<void>> = [];
  private inFlight = 0;

  constructor(private readonly concurrency = 2) {}

  push(send: () => Promise<void>): void {
    this.waiting.push(send);
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.waiting.length > 0) {
      const send = this.waiting.shift() as () => Promise<void>;
      this.inFlight++;
      void send()
        .catch(() => undefined)
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }
}
