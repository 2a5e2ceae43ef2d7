import { Logger } from '@aws-lambda-powertools/logger';

/** Structured JSON logs; each invocation appends its request id. */
export const logger = new Logger({ serviceName: 'trust-access' });
