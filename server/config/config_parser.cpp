// placeholder: replaced by config work
