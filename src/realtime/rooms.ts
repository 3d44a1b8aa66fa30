/** socket.io rooms: a socket joins only those of what its user may read. */
export const SCHOOL_ROOM = 'school';
export const unitRoom = (unitId: string) => `unit:${unitId}`;
export const userRoom = (userId: string) => `user:${userId}`;

/** Everyone who may read a draft of this unit: its unit's room and the school-wide room. */
export const draftRooms = (unitId: string) => [SCHOOL_ROOM, unitRoom(unitId)];
