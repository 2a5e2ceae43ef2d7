/**
 * What API Gateway (HTTP API) answers by itself, before or instead of a
 * function (review H, H-4): `{"message": "..."}` as `application/json`, never
 * a problem document, and HTTP APIs cannot change it. The JWT authorizer's
 * 401 (no, expired or invalid token: also every expired access token, hourly)
 * and 403 (a valid token with none of the route's scopes), 404 for a path or
 * method with no route, 429 above the stage throttle, 500 when the function
 * fails to answer. The local gateway (infra/local/gateway.ts) answers these
 * exactly so, and /openapi.json documents them beside the problem documents
 * the functions answer with the same statuses.
 */
export const GATEWAY_REFUSALS = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
} as const;

export type GatewayRefusalStatus = keyof typeof GATEWAY_REFUSALS;

/** The media type of API Gateway's own answers. */
export const GATEWAY_MEDIA_TYPE = 'application/json';

export function gatewayRefusal(status: GatewayRefusalStatus) {
  return {
    statusCode: status,
    headers: { 'content-type': GATEWAY_MEDIA_TYPE },
    body: JSON.stringify({ message: GATEWAY_REFUSALS[status] }),
  };
}
