// placeholder: replaced by sublist work
