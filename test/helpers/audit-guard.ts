/**
 * The audit guard's test side: a request that finishes without an audit event is a bug, and any
 * suite that imports this (through the HTTP or integration helpers) fails on it. Pass
 * `onUnaudited` to createApp or startArchive.
 */
import type { UnauditedRequest } from '../../src/http';

const unaudited: UnauditedRequest[] = [];

export function onUnaudited(request: UnauditedRequest): void {
  unaudited.push(request);
}

function check(): void {
  const found = unaudited.splice(0);
  expect({ unauditedRequests: found }).toEqual({ unauditedRequests: [] });
}

afterEach(check);
afterAll(check);
