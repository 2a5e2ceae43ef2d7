import { notificationCategories } from '../../domain/notifications/categories';
import { json } from '../http/responses';
import { userHandler } from '../http/user-handler';

/** The notification catalogue, the same for every trust. */
export const handler = userHandler({}, async () =>
  json(200, {
    items: notificationCategories.map(({ code, description, permission, requiresMfa, defaultDelivery, sensitive, internal }) => ({
      code, description, permission, requiresMfa, defaultDelivery, sensitive, internal,
    })),
  }),
);
