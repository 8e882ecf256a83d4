// placeholder: replaced by proto work
