/** The OpenAPI operations of the evidence ledger (src/http/routes/ledger.ts); shapes pinned by issue 10. */
import type { Json, Op } from './openapi-operations';

const json = (schema: Json): Json => ({ 'application/json': { schema } });

const hex = { type: 'string', pattern: '^[0-9a-f]{64}$' };
const size = { type: 'integer', minimum: 0 };
const TEXT = (description: string): Json => ({
  description,
  content: { 'text/plain': { schema: { type: 'string' } } },
});
const q = (name: string, description: string, required = true, minimum = 0): Json => ({
  name,
  in: 'query',
  required,
  description,
  schema: { type: 'string', pattern: '^(0|[1-9][0-9]*)$', 'x-minimum': minimum },
});
const checkpointItem = {
  type: 'object',
  required: ['treeSize', 'rootHash', 'createdAt', 'key'],
  properties: {
    treeSize: size,
    rootHash: hex,
    createdAt: { type: 'string', format: 'date-time' },
    key: {
      type: 'string',
      description: 'object key in the audit bucket, ledger/checkpoint/<size, 20 digits>',
    },
  },
};
const READ_ERRORS = ['BadRequest', 'Unauthorized', 'Forbidden', 'NotFound', 'InternalError', 'Unavailable'];

export function ledgerOperations(): Op[] {
  return [
    {
      method: 'get',
      path: '/v1/ledger/checkpoint',
      action: 'ledger.read',
      summary: 'The latest signed checkpoint (C2SP tlog-checkpoint signed note), exactly as stored',
      responses: { '200': TEXT('the signed note') },
      errors: READ_ERRORS,
    },
    {
      method: 'get',
      path: '/v1/ledger/checkpoints',
      action: 'ledger.read',
      summary: 'Checkpoints by tree size, ascending; keyset-paginated',
      parameters: [
        q('cursor', 'nextCursor of the previous page', false),
        q('limit', '1..1000 (default 100)', false, 1),
      ],
      responses: {
        '200': {
          description: 'a page of checkpoints',
          content: json({
            type: 'object',
            required: ['items'],
            properties: { items: { type: 'array', items: checkpointItem }, nextCursor: { type: 'string' } },
          }),
        },
      },
      errors: READ_ERRORS,
    },
    {
      method: 'get',
      path: '/v1/ledger/key',
      action: 'ledger.read',
      summary: 'The verifier key of the checkpoints, <name>+<hex key id>+<base64>',
      responses: { '200': TEXT('the verifier key, one line') },
      errors: READ_ERRORS,
    },
    {
      method: 'get',
      path: '/v1/ledger/entries/{index}',
      action: 'ledger.read',
      summary: 'One ledger entry: kind, id, sha256, its RFC 9162 leaf hash and leaf data',
      parameters: [
        {
          name: 'index',
          in: 'path',
          required: true,
          schema: { type: 'string', pattern: '^(0|[1-9][0-9]*)$' },
        },
      ],
      responses: {
        '200': {
          description: 'the entry',
          content: json({
            type: 'object',
            required: ['index', 'kind', 'id', 'sha256', 'leafHash', 'leafData'],
            properties: {
              index: size,
              kind: { type: 'string' },
              id: { type: 'string' },
              sha256: hex,
              leafHash: hex,
              leafData: { type: 'string', contentEncoding: 'base64' },
            },
          }),
        },
      },
      errors: READ_ERRORS,
    },
    {
      method: 'get',
      path: '/v1/ledger/proof/inclusion',
      action: 'ledger.read',
      summary: 'RFC 9162 inclusion proof of an entry (treeSize defaults to the latest checkpoint)',
      parameters: [q('index', 'the leaf index'), q('treeSize', '1..the latest checkpoint size', false, 1)],
      responses: {
        '200': {
          description: 'the proof, hashes in hex from the leaf up',
          content: json({
            type: 'object',
            required: ['index', 'treeSize', 'leafHash', 'proof'],
            properties: { index: size, treeSize: size, leafHash: hex, proof: { type: 'array', items: hex } },
          }),
        },
      },
      errors: READ_ERRORS,
    },
    {
      method: 'get',
      path: '/v1/ledger/proof/consistency',
      action: 'ledger.read',
      summary: 'RFC 9162 consistency proof between two tree sizes (1 <= from <= to <= latest)',
      parameters: [q('from', 'the smaller tree size', true, 1), q('to', 'the larger tree size', true, 1)],
      responses: {
        '200': {
          description: 'the proof, hashes in hex',
          content: json({
            type: 'object',
            required: ['from', 'to', 'proof'],
            properties: { from: size, to: size, proof: { type: 'array', items: hex } },
          }),
        },
      },
      errors: READ_ERRORS,
    },
    {
      method: 'get',
      path: '/v1/records/{id}/proof',
      action: 'records.read',
      summary: "A C2SP tlog-proof of the record's leaf against the latest checkpoint",
      description: '409 NotYetCheckpointed with Retry-After while the record is not in a checkpoint yet.',
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { '200': TEXT('the .tlog-proof file') },
      errors: [...READ_ERRORS, 'Conflict'],
    },
    {
      method: 'post',
      path: '/v1/ledger/checkpoint',
      action: 'ledger.checkpoint',
      summary: 'Checkpoint now: integrate new leaves, sign, store; answers the latest checkpoint',
      responses: {
        '200': {
          description: 'the latest checkpoint after the run',
          content: json({
            ...checkpointItem,
            required: [...checkpointItem.required, 'checkpoint'],
            properties: {
              ...checkpointItem.properties,
              checkpoint: { type: 'string', description: 'the signed note' },
            },
          }),
        },
      },
      errors: ['Unauthorized', 'Forbidden', 'NotFound', 'Conflict', 'InternalError', 'Unavailable'],
    },
  ];
}
