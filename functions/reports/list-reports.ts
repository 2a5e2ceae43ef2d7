import { REPORT_CATALOGUE } from '../../domain/reports/catalogue';
import { json } from '../http/responses';
import { userHandler } from '../http/user-handler';

/** GET /reports: the catalogue, to anyone signed in (what a report is, not its rows). */
export const handler = userHandler({}, async () =>
  json(200, {
    items: REPORT_CATALOGUE.map((def) => ({
      name: def.name, description: def.description, columns: [...def.columns],
      params: def.params.map((param) => ({ ...param, ...(param.enum ? { enum: [...param.enum] } : {}) })),
    })),
  }),
);
