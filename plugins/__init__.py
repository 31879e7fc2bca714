"""Built-in plugins, one package each, written only against ``coprod_portal``'s public modules."""
