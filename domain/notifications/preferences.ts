import { InvalidInputError, type FieldError } from '../errors';
import { notificationCategories, deliveryFor, type Delivery, type NotificationCategory } from './categories';

/** What a person chose, as stored: only the categories they set, and their own digest hour if any. */
export interface StoredPreferences {
  categories: Partial<Record<string, Delivery>>;
  digestHour?: number;
  version: number;
}

export interface PreferencesView {
  /** Every category the person can receive somewhere, with the delivery they get. */
  categories: Record<string, Delivery>;
  digestHour: number;
  timeZone: string;
  version: number;
}

/**
 * The preferences page: only categories whose permission the person holds
 * somewhere (`holds`) are offered; each shows what they get now (their
 * choice, else the trust's default, else the category's).
 */
export function preferencesView(input: {
  stored: StoredPreferences | undefined;
  holds: (category: NotificationCategory) => boolean;
  trust: { digestHour: number; timeZone: string; notificationDefaults?: Partial<Record<string, Delivery>> };
}): PreferencesView {
  const { stored, trust } = input;
  const categories: Record<string, Delivery> = {};
  for (const category of notificationCategories) {
    if (input.holds(category)) categories[category.code] = deliveryFor(category, stored?.categories, trust.notificationDefaults);
  }
  return { categories, digestHour: stored?.digestHour ?? trust.digestHour, timeZone: trust.timeZone, version: stored?.version ?? 0 };
}

/**
 * A person's new choices: a category they cannot receive anywhere is not
 * theirs to set (400 naming it), so the stored choices never say more than
 * the page offered. `digestHour: null` goes back to the trust's hour.
 */
export function planPreferences(input: {
  current: StoredPreferences | undefined;
  change: { categories: Partial<Record<string, Delivery>>; digestHour?: number | null };
  holds: (category: NotificationCategory) => boolean;
}): Omit<StoredPreferences, 'version'> {
  const errors: FieldError[] = [];
  const categories: Partial<Record<string, Delivery>> = {};
  for (const [code, delivery] of Object.entries(input.change.categories)) {
    const category = notificationCategories.find((c) => c.code === code);
    if (!category || !input.holds(category)) errors.push({ path: `categories.${code}`, message: 'you receive no notifications of this category anywhere' });
    else if (delivery) categories[code] = delivery;
  }
  if (errors.length) throw new InvalidInputError('validation_failed', 'Some categories cannot be set', errors);
  const digestHour = input.change.digestHour === undefined ? input.current?.digestHour : (input.change.digestHour ?? undefined);
  return { categories, ...(digestHour === undefined ? {} : { digestHour }) };
}

/** A trust's defaults: a safeguarding category may not be off by default (a person may still turn it off for themself). */
export function checkTrustDefaults(defaults: Partial<Record<string, Delivery>>, path = 'policies.notificationDefaults'): void {
  const errors: FieldError[] = Object.entries(defaults)
    .filter(([code, delivery]) => delivery === 'off' && notificationCategories.find((c) => c.code === code)?.sensitive)
    .map(([code]) => ({ path: `${path}.${code}`, message: 'a safeguarding category cannot be off by default' }));
  if (errors.length) throw new InvalidInputError('validation_failed', 'Safeguarding notifications cannot be off by default', errors);
}
