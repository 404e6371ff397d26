/* adlist.c - generic doubly linked list (see adlist.h).
 *
 * Nodes are allocated through zmalloc so they count in used_memory. The
 * list never looks inside values except through the optional dup, free and
 * match callbacks.
 */
#include "adlist.h"
#include "zmalloc.h"

list *listCreate(void) {
    list *l = zmalloc(sizeof(*l));
    l->head = l->tail = NULL;
    l->len = 0;
    l->dup = NULL;
    l->free = NULL;
    l->match = NULL;
    return l;
}

void listEmpty(list *list) {
    listNode *node = list->head;
    while (node) {
        listNode *next = node->next;
        if (list->free) list->free(node->value);
        zfree(node);
        node = next;
    }
    list->head = list->tail = NULL;
    list->len = 0;
}

void listRelease(list *list) {
    if (!list) return;
    listEmpty(list);
    zfree(list);
}

static listNode *listNewNode(void *value) {
    listNode *node = zmalloc(sizeof(*node));
    node->value = value;
    node->prev = node->next = NULL;
    return node;
}

list *listAddNodeHead(list *list, void *value) {
    listNode *node = listNewNode(value);
    if (list->len == 0) {
        list->head = list->tail = node;
    } else {
        node->next = list->head;
        list->head->prev = node;
        list->head = node;
    }
    list->len++;
    return list;
}

list *listAddNodeTail(list *list, void *value) {
    listNode *node = listNewNode(value);
    if (list->len == 0) {
        list->head = list->tail = node;
    } else {
        node->prev = list->tail;
        list->tail->next = node;
        list->tail = node;
    }
    list->len++;
    return list;
}

list *listInsertNode(list *list, listNode *old_node, void *value, int after) {
    listNode *node = listNewNode(value);
    if (after) {
        node->prev = old_node;
        node->next = old_node->next;
        if (list->tail == old_node) list->tail = node;
    } else {
        node->next = old_node;
        node->prev = old_node->prev;
        if (list->head == old_node) list->head = node;
    }
    /* Stitch the neighbours to the new node. */
    if (node->prev) node->prev->next = node;
    if (node->next) node->next->prev = node;
    list->len++;
    return list;
}

/* Detach node from the list without freeing anything. */
static void listUnlink(list *list, listNode *node) {
    if (node->prev) node->prev->next = node->next;
    else list->head = node->next;
    if (node->next) node->next->prev = node->prev;
    else list->tail = node->prev;
    node->prev = node->next = NULL;
    list->len--;
}

void listDelNode(list *list, listNode *node) {
    listUnlink(list, node);
    if (list->free) list->free(node->value);
    zfree(node);
}

listIter *listGetIterator(list *list, int direction) {
    listIter *iter = zmalloc(sizeof(*iter));
    if (direction == AL_START_HEAD) listRewind(list, iter);
    else listRewindTail(list, iter);
    return iter;
}

void listReleaseIterator(listIter *iter) {
    zfree(iter);
}

void listRewind(list *list, listIter *li) {
    li->next = list->head;
    li->direction = AL_START_HEAD;
}

void listRewindTail(list *list, listIter *li) {
    li->next = list->tail;
    li->direction = AL_START_TAIL;
}

/* The successor is read before returning the current node, so the caller
 * may delete the node it just received. */
listNode *listNext(listIter *iter) {
    listNode *current = iter->next;
    if (current) {
        iter->next = iter->direction == AL_START_HEAD ? current->next : current->prev;
    }
    return current;
}

list *listDup(list *orig) {
    list *copy = listCreate();
    copy->dup = orig->dup;
    copy->free = orig->free;
    copy->match = orig->match;

    for (listNode *node = orig->head; node; node = node->next) {
        void *value = node->value;
        if (copy->dup) {
            value = copy->dup(value);
            if (value == NULL) {
                listRelease(copy);
                return NULL;
            }
        }
        listAddNodeTail(copy, value);
    }
    return copy;
}

listNode *listSearchKey(list *list, void *key) {
    for (listNode *node = list->head; node; node = node->next) {
        if (list->match ? list->match(node->value, key) : node->value == key)
            return node;
    }
    return NULL;
}

listNode *listIndex(list *list, long index) {
    listNode *node;
    if (index < 0) {
        index = (-index) - 1;
        node = list->tail;
        while (index-- && node) node = node->prev;
    } else {
        node = list->head;
        while (index-- && node) node = node->next;
    }
    return node;
}

void listRotateTailToHead(list *list) {
    if (list->len <= 1) return;
    listNode *tail = list->tail;
    listUnlink(list, tail);
    tail->next = list->head;
    list->head->prev = tail;
    list->head = tail;
    list->len++;
}

void listRotateHeadToTail(list *list) {
    if (list->len <= 1) return;
    listNode *head = list->head;
    listUnlink(list, head);
    head->prev = list->tail;
    list->tail->next = head;
    list->tail = head;
    list->len++;
}

void listJoin(list *l, list *o) {
    if (o->len == 0) return;
    if (l->len == 0) {
        l->head = o->head;
    } else {
        l->tail->next = o->head;
        o->head->prev = l->tail;
    }
    l->tail = o->tail;
    l->len += o->len;
    o->head = o->tail = NULL;
    o->len = 0;
}
