// SPDX-License-Identifier: GPL-2.0
/* Chained hash table, FNV-1a over fixed-size keys, doubling on load 1. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "htab.h"

static uint32_t hash_bytes(const void *p, size_t len)
{
	const unsigned char *c = p;
	uint32_t h = 2166136261u;

	while (len--) {
		h ^= *c++;
		h *= 16777619u;
	}
	return h ^ (h >> 15);
}

static const void *key_of(const struct htab *h, const struct htab_node *n)
{
	return (const char *)n + h->key_off;
}

int htab_init(struct htab *h, size_t key_off, size_t key_len)
{
	h->nbuckets = 1024;
	h->b = calloc(h->nbuckets, sizeof(*h->b));
	h->count = 0;
	h->key_off = key_off;
	h->key_len = key_len;
	return h->b ? 0 : -ENOMEM;
}

void htab_free(struct htab *h)
{
	free(h->b);
	h->b = NULL;
	h->count = 0;
}

void *htab_find(const struct htab *h, const void *key)
{
	uint32_t hv = hash_bytes(key, h->key_len);
	struct htab_node *n = h->b[hv & (h->nbuckets - 1)];

	for (; n; n = n->next)
		if (n->hash == hv && !memcmp(key_of(h, n), key, h->key_len))
			return n;
	return NULL;
}

static int grow(struct htab *h)
{
	size_t nb = h->nbuckets * 2;
	struct htab_node **b = calloc(nb, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < h->nbuckets; i++) {
		struct htab_node *n = h->b[i], *next;

		for (; n; n = next) {
			next = n->next;
			n->next = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	}
	free(h->b);
	h->b = b;
	h->nbuckets = nb;
	return 0;
}

int htab_add(struct htab *h, struct htab_node *n)
{
	size_t i;

	if (h->count >= h->nbuckets && grow(h))
		return -ENOMEM;
	n->hash = hash_bytes(key_of(h, n), h->key_len);
	i = n->hash & (h->nbuckets - 1);
	n->next = h->b[i];
	h->b[i] = n;
	h->count++;
	return 0;
}

void *htab_get(struct htab *h, const void *key, size_t entry_size)
{
	struct htab_node *n = htab_find(h, key);

	if (n)
		return n;
	n = calloc(1, entry_size);
	if (!n)
		return NULL;
	memcpy((char *)n + h->key_off, key, h->key_len);
	if (htab_add(h, n)) {
		free(n);
		return NULL;
	}
	return n;
}

void *htab_del(struct htab *h, const void *key)
{
	uint32_t hv = hash_bytes(key, h->key_len);
	struct htab_node **pp = &h->b[hv & (h->nbuckets - 1)];

	for (; *pp; pp = &(*pp)->next) {
		struct htab_node *n = *pp;

		if (n->hash == hv && !memcmp(key_of(h, n), key, h->key_len)) {
			*pp = n->next;
			h->count--;
			return n;
		}
	}
	return NULL;
}

struct htab_node *htab_first(const struct htab *h, size_t *i)
{
	for (*i = 0; *i < h->nbuckets; (*i)++)
		if (h->b[*i])
			return h->b[*i];
	return NULL;
}

struct htab_node *htab_next(const struct htab *h, struct htab_node *n,
			    size_t *i)
{
	if (n->next)
		return n->next;
	for ((*i)++; *i < h->nbuckets; (*i)++)
		if (h->b[*i])
			return h->b[*i];
	return NULL;
}
