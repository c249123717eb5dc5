/**
 * `GET /metrics` (`metrics_http_service::get_metrics_handler`): parameter validation with its exact 400
 * bodies (pretty-printed, like the snapshot), then the snapshot. On 2.5 the validation is the same and the
 * answer is an empty array, because 2.5.0 defines no production metric.
 */
import { PrettyWriter } from '../json/pretty-writer.js';
import { metricsSnapshot, type MetricFilters } from '../metrics/metric-snapshot.js';
import type { Handler } from './common-handlers.js';
import type { HttpResponse } from './http-parser.js';
import { parseBool, splitArgs } from './pegasus-request.js';

function error(message: string): HttpResponse {
  return {
    status: 400,
    body: new PrettyWriter().startObject().stringField('error_message', message).endObject().toString(),
  };
}

const briefFields: ReadonlySet<string> = new Set(['name', 'value', 'p50', 'p90', 'p95', 'p99', 'p999']);

/** `/metrics`. */
export const metricsHandler: Handler = (ctx, req) => {
  if (req.method !== 'GET') return error("please use 'GET' method while querying for metrics");
  let withFields: Set<string> | undefined;
  let types: string[] = [];
  let ids = new Set<string>();
  let attributes: string[] = [];
  let metrics: string[] = [];
  let detail = false;
  for (const [name, value] of req.args) {
    if (name === 'with_metric_fields') {
      withFields = new Set(splitArgs(value, ','));
    } else if (name === 'types') {
      types = splitArgs(value, ',');
    } else if (name === 'ids') {
      ids = new Set(splitArgs(value, ','));
    } else if (name === 'attributes') {
      attributes = splitArgs(value, ',');
      if (attributes.length % 2 !== 0) {
        return error(
          'the number of arguments for attributes should be even, since each attribute name always pairs with a value',
        );
      }
    } else if (name === 'metrics') {
      metrics = splitArgs(value, ',');
    } else if (name === 'detail') {
      const parsed = parseBool(value);
      if (parsed === undefined) return error('the value of detail should be a boolean value, i.e. true or false');
      detail = parsed;
    } else {
      return error(`unknown field ${name}=${value}`);
    }
  }
  if (ctx.process.version === '2.5.0') return { status: 200, body: '[]' };
  // `with_metric_fields` wins over `detail`; without either, the brief field set.
  const fields = withFields ?? (detail ? new Set<string>() : briefFields);
  const filters: MetricFilters = { withMetricFields: fields, types, ids, attributes, metrics };
  return { status: 200, body: metricsSnapshot(ctx.model, ctx.process, ctx.connections, filters) };
};
