/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small chained hash table with fixed-size binary keys, used for the
 * loader's view of SAs, policies and offload requests (100k+ entries).
 * Entries embed struct htab_node first and are owned by the caller.
 */
#ifndef IPSO_HTAB_H
#define IPSO_HTAB_H

#include <stddef.h>
#include <stdint.h>

struct htab_node {
	struct htab_node *next;
	uint32_t hash;
};

struct htab {
	struct htab_node **b;
	size_t nbuckets;	/* power of two */
	size_t count;
	size_t key_off;		/* offset of the key inside an entry */
	size_t key_len;
};

int htab_init(struct htab *h, size_t key_off, size_t key_len);
void htab_free(struct htab *h);	/* frees buckets, not entries */
void *htab_find(const struct htab *h, const void *key);
int htab_add(struct htab *h, struct htab_node *n);	/* key must be new */
void *htab_del(struct htab *h, const void *key);	/* unlinked entry */
/* The entry of key, else a new zeroed one of entry_size bytes holding
 * key (owned by the caller like any other); NULL when out of memory. */
void *htab_get(struct htab *h, const void *key, size_t entry_size);

/* Iterate: for (n = htab_first(h, &i); n; n = htab_next(h, n, &i)) */
struct htab_node *htab_first(const struct htab *h, size_t *i);
struct htab_node *htab_next(const struct htab *h, struct htab_node *n,
			    size_t *i);

#endif /* IPSO_HTAB_H */
