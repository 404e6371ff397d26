/* adlist.h - a generic doubly linked list.
 *
 * Used for client lists, reply buffers, pub/sub subscribers, slow log and
 * similar places that need O(1) insertion/removal at both ends and removal
 * of a known node. Values are opaque pointers; optional per-list callbacks
 * tell the list how to duplicate, free and compare them.
 */
#ifndef ADLIST_H
#define ADLIST_H

typedef struct listNode {
    struct listNode *prev;
    struct listNode *next;
    void *value;
} listNode;

typedef struct listIter {
    listNode *next;
    int direction;
} listIter;

typedef struct list {
    listNode *head;
    listNode *tail;
    void *(*dup)(void *ptr);
    void (*free)(void *ptr);
    int (*match)(void *ptr, void *key);
    unsigned long len;
} list;

/* Accessors implemented as macros: they are used in hot loops. */
#define listLength(l) ((l)->len)
#define listFirst(l) ((l)->head)
#define listLast(l) ((l)->tail)
#define listPrevNode(n) ((n)->prev)
#define listNextNode(n) ((n)->next)
#define listNodeValue(n) ((n)->value)

#define listSetDupMethod(l, m) ((l)->dup = (m))
#define listSetFreeMethod(l, m) ((l)->free = (m))
#define listSetMatchMethod(l, m) ((l)->match = (m))

#define listGetDupMethod(l) ((l)->dup)
#define listGetFreeMethod(l) ((l)->free)
#define listGetMatchMethod(l) ((l)->match)

/* Iteration directions. */
#define AL_START_HEAD 0
#define AL_START_TAIL 1

list *listCreate(void);
void listRelease(list *list);          /* frees values (free method) too */
void listEmpty(list *list);            /* remove all nodes, keep the list */
list *listAddNodeHead(list *list, void *value);
list *listAddNodeTail(list *list, void *value);
/* Insert value next to old_node: after it if after != 0, else before. */
list *listInsertNode(list *list, listNode *old_node, void *value, int after);
void listDelNode(list *list, listNode *node);
listIter *listGetIterator(list *list, int direction);
listNode *listNext(listIter *iter);    /* safe to delete the returned node */
void listReleaseIterator(listIter *iter);
/* Duplicate the list (values copied with the dup method if set, otherwise
 * shared). NULL only if a dup callback fails. */
list *listDup(list *orig);
/* First node whose value matches key (match method, else pointer ==). */
listNode *listSearchKey(list *list, void *key);
/* Node at zero-based index; negative counts from the tail (-1 = last). */
listNode *listIndex(list *list, long index);
void listRewind(list *list, listIter *li);      /* stack iterator from head */
void listRewindTail(list *list, listIter *li);  /* stack iterator from tail */
void listRotateTailToHead(list *list);
void listRotateHeadToTail(list *list);
/* Append all of o's nodes to l, leaving o empty (but not freed). */
void listJoin(list *l, list *o);

#endif
