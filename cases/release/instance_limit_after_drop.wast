;; Does dropping an instance give back its slot under a store's instance limit?
;; Finding: the limit counts instances the store holds; dropping the handle does
;; not remove the instance from the store, dropping the store does.

(store_limits (instances 2))
(module $a)
(module $b)
(drop_instance $a)
(drop_instance $b)
(observe (module $c))
(drop_store)
(module $d)
(module $e)
(observe (module $f))
