"""Every unit's question declarations, one module uNN_name.py per unit; autograder.question.load() imports them."""
