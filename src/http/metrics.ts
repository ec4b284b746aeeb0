/**
 * The API's Prometheus metrics. Route labels are route patterns (`/v1/records/:id`), never raw
 * paths, so hostile or random URLs cannot grow the label set.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';

function reuse<T extends Metric>(registry: Registry, name: string, create: () => T): T {
  // A registry shared by several apps (tests, a host process) already holds the metric.
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export class HttpMetrics {
  readonly registry: Registry;
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route' | 'status'>;
  private readonly ingested: Counter<'record_type' | 'status'>;
  private readonly bytes: Counter<'kind'>;
  private readonly batchLines: Counter<'format' | 'status'>;

  constructor(registry?: Registry) {
    const owned = registry === undefined;
    this.registry = registry ?? new Registry();
    if (owned) collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.requests = reuse(
      this.registry,
      'strongroom_http_requests_total',
      () =>
        new Counter({
          name: 'strongroom_http_requests_total',
          help: 'HTTP requests answered, by method, route pattern and status (499: the client went away)',
          labelNames: ['method', 'route', 'status'],
          registers,
        }),
    );
    this.duration = reuse(
      this.registry,
      'strongroom_http_request_duration_seconds',
      () =>
        new Histogram({
          name: 'strongroom_http_request_duration_seconds',
          help: 'Time from request to the end of the answer, by method, route pattern and status',
          labelNames: ['method', 'route', 'status'],
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
          registers,
        }),
    );
    this.ingested = reuse(
      this.registry,
      'strongroom_records_ingested_total',
      () =>
        new Counter({
          name: 'strongroom_records_ingested_total',
          help: 'Records and documents accepted through the API, by record type and status (created, existing)',
          labelNames: ['record_type', 'status'],
          registers,
        }),
    );
    this.bytes = reuse(
      this.registry,
      'strongroom_ingested_bytes_total',
      () =>
        new Counter({
          name: 'strongroom_ingested_bytes_total',
          help: 'Bytes stored by newly created records and documents (their stored size)',
          labelNames: ['kind'],
          registers,
        }),
    );
    this.batchLines = reuse(
      this.registry,
      'strongroom_batch_lines_total',
      () =>
        new Counter({
          name: 'strongroom_batch_lines_total',
          help: 'Batch lines answered, by format (ndjson, csv) and status (created, existing, error)',
          labelNames: ['format', 'status'],
          registers,
        }),
    );
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.requests.inc(labels);
    this.duration.observe(labels, seconds);
  }

  ingestedRecord(
    recordType: string,
    status: 'created' | 'existing',
    size: number,
    kind: 'record' | 'document',
  ): void {
    this.ingested.inc({ record_type: recordType, status });
    if (status === 'created') this.bytes.inc({ kind }, size);
  }

  batchLine(format: 'ndjson' | 'csv', status: 'created' | 'existing' | 'error'): void {
    this.batchLines.inc({ format, status });
  }
}
