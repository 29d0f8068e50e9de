"""Use-cases the screens ask for by message, one module per family; the shell routes the
requests and the services' events to them. Controllers may open screens (pickers, choices);
screens never import controllers."""
