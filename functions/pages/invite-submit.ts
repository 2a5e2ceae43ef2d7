import { acceptInvitation } from '../identity/invitation-acceptance';
import { linkForm } from './link-page';
import { invitationPage } from './link-pages';

/** The form post of the page (works with JavaScript off). */
export const handler = linkForm(invitationPage, async (token, password) => (await acceptInvitation(token, password)).email);
