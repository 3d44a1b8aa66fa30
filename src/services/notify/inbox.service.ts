/**
 * The signed-in user's own notifications: the inbox, the unread count, marking read, and preferences. Each reads or
 * writes only the caller's rows (the user id comes from the session), so there is nothing further to authorize.
 */
export { inboxOf, markRead, preferencesOf, savePreferences, unreadCount } from '../../db/notification.repository';
